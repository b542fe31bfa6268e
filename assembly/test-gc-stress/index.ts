// Test fixture, not part of the filter: llm-mesh exactly as built, except that it collects garbage
// at the end of every outermost callback. The unit tests run against it too (vitest project
// "unit-gc-stress"), so anything the filter keeps between callbacks without a root is caught there.
export * from "../index";
import { collectAfterEveryCallback } from "../entry-points";

collectAfterEveryCallback();
