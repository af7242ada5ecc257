// go-oracle decodes JSON documents with Go's own encoding/json, the way
// dockerd reads request bodies (json.NewDecoder(r).Decode(&v)), into Go types
// that mirror the schemas of Tests/GoJSONTests/GoldenSchemas.swift, and
// prints what Go made of them. It is our own test tool, used only to
// (re)generate Tests/GoJSONTests/GoldenCases.swift (see regen.py); the Swift
// tests never run Go.
//
// Input: JSON lines {"schema": NAME, "input": BASE64}. Output: one JSON line
// per input: {"ok":true,"consumed":N,"value":"<json.Marshal of the decoded
// value, as a string>"} or {"ok":false,"kind":"syntax|unexpectedEOF|empty|type|other","error":MSG}.
package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
)

// StrSlice mimics a type with its own UnmarshalJSON that accepts a string or
// an array of strings (like Docker's strslice.StrSlice); null gives nil.
type StrSlice []string

func (s *StrSlice) UnmarshalJSON(b []byte) error {
	var list []string
	if err := json.Unmarshal(b, &list); err == nil {
		*s = list
		return nil
	}
	var one string
	if err := json.Unmarshal(b, &one); err != nil {
		return err
	}
	*s = StrSlice{one}
	return nil
}

type Leaf struct {
	A int    `json:"a"`
	B string `json:"b"`
}

type Inner struct {
	A int    `json:"a"`
	B string `json:"b"`
	C []int  `json:"c"`
	P *Leaf  `json:"p"`
}

type Kitchen struct {
	Name   string
	Kind   string `json:"kind"`
	Size   int64  `json:"size"`
	Flag   bool
	I8     int8
	U8     uint8
	U16    uint16
	I32    int32
	U64    uint64
	I      int
	F32    float32
	F64    float64
	Str    *string
	Ptr    *Inner
	PP     **int
	In     Inner
	List   []Inner
	Ints   []int
	Arr    [3]int
	ArrS   [2]Inner
	Map    map[string]Inner
	MapI   map[int]string
	MapI8  map[int8]string
	MapU   map[uint8]int
	MapP   map[string]*Inner
	Any    interface{}
	Anys   []interface{}
	MapAny map[string]interface{}
	Bytes  []byte
	BytesL [][]byte
	Q      int     `json:"q,string"`
	QP     *int    `json:"qp,string"`
	QB     bool    `json:"qb,string"`
	QS     string  `json:"qs,string"`
	QF     float64 `json:"qf,string"`
	QF32   float32 `json:"qf32,string"`
	QU     uint16  `json:"qu,string"`
	QSP    *string `json:"qsp,string"`
	QI     []int   `json:"qi,string"`
	Cmd    StrSlice
	CmdP   *StrSlice
	CmdL   []StrSlice
	CmdM   map[string]StrSlice
	Labels map[string]string
	Lower  string `json:"ab"`
	Upper  string `json:"AB"`
	Kelvin string `json:"xk"`
	LongS  string `json:"xs"`
	Under  string `json:"a_b"`
	Digits string `json:"n1"`
}

func target(schema string) (interface{}, bool) {
	switch schema {
	case "kitchen":
		return new(Kitchen), true
	case "kitchenPtr":
		return new(*Kitchen), true
	case "inner":
		return new(Inner), true
	case "innerList":
		return new([]Inner), true
	case "mapInner":
		return new(map[string]Inner), true
	case "ints":
		return new([]int), true
	case "arr3":
		return new([3]int), true
	case "int":
		return new(int), true
	case "int8":
		return new(int8), true
	case "uint8":
		return new(uint8), true
	case "uint64":
		return new(uint64), true
	case "float64":
		return new(float64), true
	case "float32":
		return new(float32), true
	case "string":
		return new(string), true
	case "bool":
		return new(bool), true
	case "bytes":
		return new([]byte), true
	case "any":
		return new(interface{}), true
	case "strslice":
		return new(StrSlice), true
	}
	return nil, false
}

type request struct {
	Schema string `json:"schema"`
	Input  string `json:"input"`
}

type result struct {
	OK       bool   `json:"ok"`
	Consumed int64  `json:"consumed,omitempty"`
	Value    string `json:"value,omitempty"`
	Kind     string `json:"kind,omitempty"`
	Error    string `json:"error,omitempty"`
	Go       string `json:"go"`
}

func kindOf(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return "syntax"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "unexpectedEOF"
	case errors.Is(err, io.EOF):
		return "empty"
	case errors.As(err, &typ):
		return "type"
	}
	return "other"
}

func run(req request) result {
	res := result{Go: runtime.Version()}
	input, err := base64.StdEncoding.DecodeString(req.Input)
	if err != nil {
		res.Kind, res.Error = "other", "bad request: "+err.Error()
		return res
	}
	v, ok := target(req.Schema)
	if !ok {
		res.Kind, res.Error = "other", "unknown schema "+req.Schema
		return res
	}
	dec := json.NewDecoder(bytes.NewReader(input))
	if err := dec.Decode(v); err != nil {
		res.Kind, res.Error = kindOf(err), err.Error()
		return res
	}
	out, err := json.Marshal(v)
	if err != nil {
		res.Kind, res.Error = "marshal", err.Error()
		return res
	}
	res.OK, res.Consumed, res.Value = true, dec.InputOffset(), string(out)
	return res
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 64<<20)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	enc := json.NewEncoder(out)
	for in.Scan() {
		var req request
		if err := json.Unmarshal(in.Bytes(), &req); err != nil {
			fmt.Fprintln(os.Stderr, "bad line:", err)
			os.Exit(2)
		}
		if err := enc.Encode(run(req)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
	}
}
