// AWS credentials of the instance's role from the EC2 instance metadata service, IMDSv2
// (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instance-metadata-security-credentials.html):
// PUT /latest/api/token for a session token, GET …/iam/security-credentials/ for the role's name,
// GET …/security-credentials/{role} for the keys and their Expiration. Each step is one call made
// by the root context (token-refresh.ts); the session token and the role name are kept for the
// next refresh. Nothing read here is ever logged.
import { RETRY_SECONDS, TokenSchedule, answerProblem, isHeaderSafe, parseAnswer, snapshotExpiry, snapshotParts, stringMember, TokenRequest } from "./platform-token";

/** The cluster llm-mesh emits for the instance metadata service (169.254.169.254), as Istio names a ServiceEntry's. */
export const DEFAULT_IMDS_CLUSTER = "outbound|80||instance-data.ec2.internal";
const IMDS_AUTHORITY = "169.254.169.254";
const CREDENTIALS_PATH = "/latest/meta-data/iam/security-credentials/";
/** Lifetime asked for the IMDSv2 session token (its maximum, six hours). */
const SESSION_TTL_SECONDS: i64 = 21600;
const SOURCE = "the instance metadata service";

enum Step { SessionToken, RoleName, Keys }

export class InstanceRoleCredentials {
  schedule: TokenSchedule = new TokenSchedule();
  accessKeyId: string = "";
  secretAccessKey: string = "";
  sessionToken: string = "";
  private step: Step = Step.SessionToken;
  private imdsToken: string = "";
  private imdsTokenExpiresAt: i64 = 0;
  private role: string = "";

  constructor(public cluster: string) {}

  /** The next call of a fetch, or null when none is due or the fetch is over. */
  next(now: i64): TokenRequest | null {
    if (!this.schedule.inFlight) {
      if (!this.schedule.start(now)) return null;
      this.step = now + 60 >= this.imdsTokenExpiresAt ? Step.SessionToken : this.role.length == 0 ? Step.RoleName : Step.Keys;
    }
    if (this.step == Step.SessionToken) {
      return new TokenRequest(this.cluster, "/latest/api/token", IMDS_AUTHORITY, ["x-aws-ec2-metadata-token-ttl-seconds"], [SESSION_TTL_SECONDS.toString()], "PUT");
    }
    const path = this.step == Step.RoleName ? CREDENTIALS_PATH : CREDENTIALS_PATH + this.role;
    return new TokenRequest(this.cluster, path, IMDS_AUTHORITY, ["x-aws-ec2-metadata-token"], [this.imdsToken]);
  }

  /** Takes the answer to the current step; a problem to log, or null (the fetch goes on, or is done). */
  accept(status: string, body: ArrayBuffer | null, now: i64, providerName: string): string | null {
    if (status == "401") {
      // The session token expired or was refused: the next try starts with a new one.
      this.imdsTokenExpiresAt = 0;
    }
    if (status != "200" || body === null) {
      this.schedule.fail(now);
      if (status == "404" && this.step == Step.RoleName) return SOURCE + " has no role for provider \"" + providerName + "\" (attach an instance profile); retrying in " + RETRY_SECONDS.toString() + " s";
      if (status == "404") this.role = "";
      return answerProblem(SOURCE, status, this.step == Step.SessionToken ? "IMDSv2 session token" : "instance-role credentials", providerName);
    }
    const text = String.UTF8.decode(body!);
    if (this.step == Step.SessionToken) {
      if (!isHeaderSafe(text)) return this.malformed(now, providerName, "session token");
      this.imdsToken = text;
      this.imdsTokenExpiresAt = now + SESSION_TTL_SECONDS;
      this.step = this.role.length == 0 ? Step.RoleName : Step.Keys;
      return null;
    }
    if (this.step == Step.RoleName) {
      // One role per instance profile; the listing is its name, one line.
      const role = text.trim();
      if (!isRoleName(role)) return this.malformed(now, providerName, "role name");
      this.role = role;
      this.step = Step.Keys;
      return null;
    }
    const answer = parseAnswer(body);
    const code = stringMember(answer, "Code");
    const id = stringMember(answer, "AccessKeyId");
    const secret = stringMember(answer, "SecretAccessKey");
    const token = stringMember(answer, "Token");
    const expiration = stringMember(answer, "Expiration");
    const expiresAt = expiration !== null ? parseIsoSeconds(expiration!) : -1;
    if (code === null || code! != "Success" || id === null || secret === null || token === null || expiresAt <= now ||
      !isHeaderSafe(id!) || !isHeaderSafe(secret!) || !isHeaderSafe(token!)) return this.malformed(now, providerName, "credentials");
    this.accessKeyId = id!;
    this.secretAccessKey = secret!;
    this.sessionToken = token!;
    this.schedule.succeed(now, expiresAt);
    return null;
  }

  private malformed(now: i64, providerName: string, what: string): string {
    this.schedule.fail(now);
    return SOURCE + "'s answer for provider \"" + providerName + "\" holds no usable " + what + "; retrying in " + RETRY_SECONDS.toString() + " s";
  }

  /** "expiresAt\nid\nsecret\ntoken", for other worker threads; "" when none. */
  snapshot(): string {
    if (this.accessKeyId.length == 0) return "";
    return this.schedule.expiresAt.toString() + "\n" + this.accessKeyId + "\n" + this.secretAccessKey + "\n" + this.sessionToken;
  }

  /** True when the snapshot was newer and was taken. */
  adopt(snapshot: string, now: i64): bool {
    const parts = snapshotParts(snapshot, 4);
    if (parts === null || this.schedule.inFlight) return false;
    const expiresAt = snapshotExpiry(parts![0]);
    if (!this.schedule.newer(expiresAt, now)) return false;
    this.accessKeyId = parts![1];
    this.secretAccessKey = parts![2];
    this.sessionToken = parts![3];
    this.schedule.succeed(now, expiresAt);
    return true;
  }
}

/** IAM's role names: 1 to 64 of letters, digits and +=,.@_- (safe in a path). */
function isRoleName(v: string): bool {
  if (v.length == 0 || v.length > 64) return false;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    const ok = (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) ||
      c == 0x2b || c == 0x3d || c == 0x2c || c == 0x2e || c == 0x40 || c == 0x5f || c == 0x2d;
    if (!ok) return false;
  }
  return v != "." && v != "..";
}

function digits(s: string, at: i32, n: i32): i64 {
  let v: i64 = 0;
  for (let i = at; i < at + n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return -1;
    v = v * 10 + <i64>(c - 0x30);
  }
  return v;
}

/** "YYYY-MM-DDTHH:MM:SSZ" (IMDS's Expiration) as epoch seconds; -1 when malformed. */
export function parseIsoSeconds(s: string): i64 {
  if (s.length != 20 || s.charCodeAt(4) != 0x2d || s.charCodeAt(7) != 0x2d || s.charCodeAt(10) != 0x54 ||
    s.charCodeAt(13) != 0x3a || s.charCodeAt(16) != 0x3a || s.charCodeAt(19) != 0x5a) return -1;
  const y = digits(s, 0, 4), m = digits(s, 5, 2), d = digits(s, 8, 2), hh = digits(s, 11, 2), mm = digits(s, 14, 2), ss = digits(s, 17, 2);
  if (y < 1970 || m < 1 || m > 12 || d < 1 || d > 31 || hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 60) return -1;
  // Days from 1970-01-01 to a civil date (Howard Hinnant's algorithm, the inverse of sigv4's amzDate).
  const yy = m <= 2 ? y - 1 : y;
  const era = yy / 400;
  const yoe = yy - era * 400;
  const doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  const days = era * 146097 + doe - 719468;
  return days * 86400 + hh * 3600 + mm * 60 + ss;
}
