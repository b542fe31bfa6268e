// Reads request bodies as a Go model server does: encoding/json into structs (keys matched to
// fields case-insensitively, the last match winning), then reports the value at each asked path.
// The parser-table test compares it with the Go reader model (test/support/json-readers.ts).
// Input on stdin: [{"body": base64, "path": [...]}]; output: [{"value": …} | {"refused": "…"}].
package main

import (
	"encoding/base64"
	"encoding/json"
	"os"
)

type Part struct {
	Type *string `json:"type"`
	Text *string `json:"text"`
}

type Message struct {
	Role    *string         `json:"role"`
	Content json.RawMessage `json:"content"`
}

type Tool struct {
	InputSchema map[string]any `json:"input_schema"`
}

type Request struct {
	Model         *string         `json:"model"`
	Stream        *bool           `json:"stream"`
	StreamOptions map[string]any  `json:"stream_options"`
	APIKey        *string         `json:"api_key"`
	Temperature   *float64        `json:"temperature"`
	Seed          any             `json:"seed"`
	Messages      []Message       `json:"messages"`
	System        json.RawMessage `json:"system"`
	Input         json.RawMessage `json:"input"`
	Tools         []Tool          `json:"tools"`
}

type Ask struct {
	Body string `json:"body"`
	Path []any  `json:"path"`
}

// at walks a generic value (maps are exact, as for map[string]any fields).
func at(v any, path []any) any {
	for _, step := range path {
		switch s := step.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[s]
		case float64:
			a, ok := v.([]any)
			if !ok || int(s) >= len(a) {
				return nil
			}
			v = a[int(s)]
		}
	}
	return v
}

func raw(r json.RawMessage) any {
	if r == nil {
		return nil
	}
	var v any
	if json.Unmarshal(r, &v) != nil {
		return nil
	}
	return v
}

func read(req *Request, path []any) any {
	switch path[0] {
	case "model":
		return req.Model
	case "stream":
		return req.Stream
	case "stream_options":
		return req.StreamOptions
	case "api_key":
		return req.APIKey
	case "temperature":
		return req.Temperature
	case "seed":
		return req.Seed
	case "system":
		return raw(req.System)
	case "input":
		return raw(req.Input)
	case "tools":
		i := int(path[1].(float64))
		if i >= len(req.Tools) {
			return nil
		}
		return at(req.Tools[i].InputSchema, path[3:])
	case "messages":
		i := int(path[1].(float64))
		if i >= len(req.Messages) {
			return nil
		}
		m := req.Messages[i]
		if len(path) == 3 {
			return raw(m.Content)
		}
		var parts []Part // content parts are structs too: their keys fold
		if json.Unmarshal(m.Content, &parts) != nil || int(path[3].(float64)) >= len(parts) {
			return nil
		}
		return parts[int(path[3].(float64))].Text
	}
	return nil
}

func main() {
	var asks []Ask
	if err := json.NewDecoder(os.Stdin).Decode(&asks); err != nil {
		panic(err)
	}
	out := make([]map[string]any, len(asks))
	for i, ask := range asks {
		body, _ := base64.StdEncoding.DecodeString(ask.Body)
		var req Request
		if err := json.Unmarshal(body, &req); err != nil {
			out[i] = map[string]any{"refused": err.Error()}
			continue
		}
		out[i] = map[string]any{"value": read(&req, ask.Path)}
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		panic(err)
	}
}
