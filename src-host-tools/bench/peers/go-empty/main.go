// The floor for Go: an empty proxy-wasm HTTP filter built with Go's own wasip1 target
// (GOOS=wasip1 GOARCH=wasm -buildmode=c-shared), on the SDK Higress's plugins use. What any Go
// Wasm filter costs before it does anything. Built by `npm run bench` into .tools/peers.
package main

import (
	"github.com/higress-group/proxy-wasm-go-sdk/proxywasm"
	"github.com/higress-group/proxy-wasm-go-sdk/proxywasm/types"
)

func main() {}

func init() {
	proxywasm.SetHttpContext(func(contextID uint32) types.HttpContext { return &types.DefaultHttpContext{} })
}
