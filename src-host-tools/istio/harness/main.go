// istio-xds: what istiod would send a proxy, computed by Istio's own control-plane code (its
// in-process fake discovery server, the one Istio's own tests use), for the Istio objects llm-mesh
// emits. Prints the listeners, routes, clusters, endpoints and extension configs (ECDS) as JSON,
// for llm-mesh's tests to load into real Envoy. Test tooling only; never part of the filter.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"

	"google.golang.org/protobuf/proto"

	"istio.io/istio/pilot/pkg/model"
	"istio.io/istio/pilot/test/xds"
	"istio.io/istio/pkg/bootstrap"
	"istio.io/istio/pkg/bootstrap/platform"
	"istio.io/istio/pkg/config/mesh"
	istiolog "istio.io/istio/pkg/log"
	"istio.io/istio/pkg/util/protomarshal"
)

// failer lets the fake server run outside `go test`: any failure ends the program with its message.
type failer struct{ tmp string }

func (f *failer) Fail()    { f.FailNow() }
func (f *failer) FailNow() { fmt.Fprintln(os.Stderr, "istio-xds: failed"); os.Exit(1) }
func (f *failer) Fatal(args ...any) {
	fmt.Fprintln(os.Stderr, append([]any{"istio-xds:"}, args...)...)
	os.Exit(1)
}
func (f *failer) Fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "istio-xds: "+format+"\n", args...)
	os.Exit(1)
}
func (f *failer) Log(args ...any)                 {}
func (f *failer) Logf(format string, args ...any) {}
func (f *failer) TempDir() string                 { return f.tmp }
func (f *failer) Helper()                         {}
func (f *failer) Cleanup(func())                  {}
func (f *failer) Skip(args ...any)                { f.Fatal(args...) }

func read(path string) string {
	if path == "" {
		return ""
	}
	b, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintf(os.Stderr, "istio-xds: %v\n", err)
		os.Exit(1)
	}
	return string(b)
}

func labels(s string) map[string]string {
	out := map[string]string{}
	for _, kv := range strings.Split(s, ",") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			out[k] = v
		}
	}
	return out
}

func toJSON[T proto.Message](items []T) []json.RawMessage {
	out := make([]json.RawMessage, 0, len(items))
	for _, m := range items {
		b, err := protomarshal.Marshal(m)
		if err != nil {
			fmt.Fprintf(os.Stderr, "istio-xds: %v\n", err)
			os.Exit(1)
		}
		out = append(out, b)
	}
	return out
}

func main() {
	configFile := flag.String("config", "", "Istio objects (YAML), as llm-mesh manifests emits them")
	kubeFile := flag.String("kube", "", "Kubernetes objects (YAML): the proxy's Pod and Services")
	proxyType := flag.String("proxy", "sidecar", "sidecar, router (a gateway) or waypoint (ambient)")
	namespace := flag.String("namespace", "default", "the proxy's namespace")
	podLabels := flag.String("labels", "", "the proxy's labels, k=v,k=v")
	ip := flag.String("ip", "10.10.0.1", "the proxy's IP")
	istioVersion := flag.String("istio-version", "1.32.0", "the proxy's Istio version (decides generated features)")
	outFile := flag.String("out", "", "write the JSON here (Istio logs to standard output)")
	meshFile := flag.String("mesh", "", "mesh config (YAML, the meshConfig of Istio's install values) istiod runs with")
	bootstrapTemplate := flag.String("bootstrap-template", "", "also render the proxy's bootstrap with pilot-agent's code from this template (Istio's envoy_bootstrap.json)")
	flag.Parse()
	logOptions := istiolog.DefaultOptions()
	logOptions.OutputPaths = []string{"stderr"}
	_ = istiolog.Configure(logOptions)

	tmp, _ := os.MkdirTemp("", "istio-xds-")
	defer os.RemoveAll(tmp)
	istioObjects, kubeObjects := read(*configFile), read(*kubeFile)
	if *proxyType == "waypoint" {
		// Istio's ambient index reads Gateways, ServiceEntries and WorkloadEntries as Kubernetes
		// objects too, as its own waypoint tests do.
		kubeObjects = istioObjects + "\n---\n" + kubeObjects
		istioObjects = kubeObjects
	}
	options := xds.FakeOptions{ConfigString: istioObjects, KubernetesObjectString: kubeObjects}
	meshConfig := mesh.DefaultMeshConfig()
	if *meshFile != "" {
		m, err := mesh.ApplyMeshConfigDefaults(read(*meshFile))
		if err != nil {
			fmt.Fprintf(os.Stderr, "istio-xds: mesh config: %v\n", err)
			os.Exit(1)
		}
		meshConfig = m
		options.MeshConfig = m
	}
	s := xds.NewFakeDiscoveryServer(&failer{tmp: tmp}, options)

	proxy := &model.Proxy{
		Type:            model.SidecarProxy,
		ConfigNamespace: *namespace,
		Labels:          labels(*podLabels),
		IPAddresses:     []string{*ip},
		ID:              "llm-mesh-test." + *namespace,
		Metadata: &model.NodeMetadata{
			Namespace:    *namespace,
			Labels:       labels(*podLabels),
			IstioVersion: *istioVersion,
			ClusterID:    "Kubernetes",
		},
	}
	switch *proxyType {
	case "router":
		proxy.Type = model.Router
	case "waypoint":
		proxy.Type = model.Waypoint
	}
	p := s.SetupProxy(proxy)

	listeners := s.Listeners(p)
	clusters := s.Clusters(p)
	var extensionNames []string
	for _, l := range listeners {
		extensionNames = append(extensionNames, xdsExtensionRefs(l)...)
	}
	// Upstream HTTP filters (a failover pool's) are fetched over ECDS too.
	for _, c := range clusters {
		extensionNames = append(extensionNames, xdsExtensionRefs(c)...)
	}
	out := map[string]any{
		"listeners":        toJSON(listeners),
		"routes":           toJSON(s.Routes(p)),
		"clusters":         toJSON(clusters),
		"endpoints":        toJSON(s.Endpoints(p)),
		"extensionConfigs": toJSON(s.ConfigGen.BuildExtensionConfiguration(p, s.PushContext(), extensionNames, nil)),
	}
	if *bootstrapTemplate != "" {
		// What pilot-agent writes for this proxy: node metadata from its environment and the mesh's
		// default proxy config, rendered through Istio's bootstrap template.
		node, err := bootstrap.GetNodeMetaData(bootstrap.MetadataOptions{
			ID: proxy.ID, InstanceIPs: proxy.IPAddresses, Envs: []string{"ISTIO_META_NAMESPACE=" + *namespace},
			ProxyConfig: meshConfig.GetDefaultConfig(), Platform: &platform.Unknown{},
		})
		var rendered bytes.Buffer
		if err == nil {
			err = bootstrap.New(bootstrap.Config{Node: node}).WriteTo(*bootstrapTemplate, &rendered)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "istio-xds: bootstrap: %v\n", err)
			os.Exit(1)
		}
		out["bootstrap"] = json.RawMessage(rendered.Bytes())
	}
	b, err := json.Marshal(out)
	if err == nil {
		err = os.WriteFile(*outFile, b, 0o644)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "istio-xds: %v\n", err)
		os.Exit(1)
	}
}

// xdsExtensionRefs returns the names of the HTTP filters a listener or cluster fetches over ECDS.
func xdsExtensionRefs(l proto.Message) []string {
	b, err := protomarshal.Marshal(l)
	if err != nil {
		return nil
	}
	var tree any
	if json.Unmarshal(b, &tree) != nil {
		return nil
	}
	var names []string
	var walk func(v any)
	walk = func(v any) {
		switch t := v.(type) {
		case map[string]any:
			_, snake := t["config_discovery"]
			_, camel := t["configDiscovery"]
			if name, ok := t["name"].(string); ok && (snake || camel) {
				names = append(names, name)
			}
			for _, c := range t {
				walk(c)
			}
		case []any:
			for _, c := range t {
				walk(c)
			}
		}
	}
	walk(tree)
	return names
}
