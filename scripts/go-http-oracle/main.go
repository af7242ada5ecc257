// go-http-oracle reads a daemon's answers on one connection with Go's own
// net/http client code, the way a Docker client's Transport does
// (persistConn.readLoop and readResponse in transport.go, ReadResponse,
// readTransfer and the body readers in response.go and transfer.go), and
// prints what Go made of each answer. It is our own test tool, used only to
// (re)generate Tests/HTTP1Tests/ResponseGoldenCases.swift (see regen.py);
// the Swift tests never run Go.
//
// Input: JSON lines {"methods": [METHOD...], "stream": BASE64}; the methods
// are those of the 1st, 2nd, ... answer, repeated. Output: one JSON line per
// input: {"go": VERSION, "answers": [ANSWER...]}, where an answer is
//
//	{"start": N, "heads": [[STATUS, START, END]...], "bodyStart": N,
//	 "outcome": "complete|untilClose|truncated|refused",
//	 "end": N, "reuse": BOOL, "body": HEX, "error": TEXT}
//
// Reading stops after 8 answers, or at the first answer after which Go
// would not read another on the connection.
//
// The end of the stream: where Go would wait for more bytes (inside a head,
// a framed body, a chunk line, a trailer), the stream's reader panics and the
// answer is "truncated" (a real socket would block there); only a body that
// runs until the close (no framing, or a protocol switch) sees io.EOF, the
// daemon's close.
package main

import (
	"bufio"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"strings"
	"unicode/utf8"
)

const maxAnswers = 8

// transport.go readResponse: max1xxResponses.
const max1xxResponses = 5

// The Transport's bufio.Reader size (Transport.readBufferSize: 4 KiB).
const readBufferSize = 4 << 10

type blocked struct{}

// stream is the daemon's side of the connection.
type stream struct {
	data     []byte
	pos      int
	eofAtEnd bool
}

func (s *stream) Read(p []byte) (int, error) {
	if s.pos == len(s.data) {
		if s.eofAtEnd {
			return 0, io.EOF
		}
		panic(blocked{})
	}
	n := copy(p, s.data[s.pos:])
	s.pos += n
	return n, nil
}

type answer struct {
	Start     int     `json:"start"`
	Heads     [][]int `json:"heads"`
	BodyStart int     `json:"bodyStart"`
	Outcome   string  `json:"outcome"`
	End       int     `json:"end"`
	Reuse     bool    `json:"reuse"`
	Body      string  `json:"body"`
	Error     string  `json:"error,omitempty"`
}

type input struct {
	Methods []string `json:"methods"`
	Stream  string   `json:"stream"`
}

type output struct {
	Go      string   `json:"go"`
	Answers []answer `json:"answers"`
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 64<<20)
	out := json.NewEncoder(os.Stdout)
	for in.Scan() {
		var c input
		if err := json.Unmarshal(in.Bytes(), &c); err != nil {
			panic(err)
		}
		data, err := base64.StdEncoding.DecodeString(c.Stream)
		if err != nil {
			panic(err)
		}
		if len(c.Methods) == 0 {
			c.Methods = []string{"GET"}
		}
		if err := out.Encode(output{Go: runtime.Version(), Answers: readAll(data, c.Methods)}); err != nil {
			panic(err)
		}
	}
	if err := in.Err(); err != nil {
		panic(err)
	}
}

// readAll is persistConn.readLoop: answer after answer while Go keeps the
// connection alive (and a request is waiting: one per method, cycled).
func readAll(data []byte, methods []string) []answer {
	s := &stream{data: data}
	br := bufio.NewReaderSize(s, readBufferSize)
	answers := []answer{}
	for len(answers) < maxAnswers {
		// readLoop peeks first; with nothing more the connection just ends.
		if s.pos == len(data) && br.Buffered() == 0 {
			break
		}
		method := methods[len(answers)%len(methods)]
		a := readOne(s, br, method)
		answers = append(answers, a)
		if a.Outcome != "complete" || !a.Reuse {
			break
		}
	}
	return answers
}

func consumed(s *stream, br *bufio.Reader) int { return s.pos - br.Buffered() }

// readOne reads one answer (its interim heads, the final head, the body to
// EOF) and says whether readLoop would read another on the connection.
func readOne(s *stream, br *bufio.Reader, method string) (a answer) {
	a.Start = consumed(s, br)
	a.Heads = [][]int{}
	var body []byte
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(blocked); !ok {
				panic(r)
			}
			a.Outcome = "truncated"
			a.End = consumed(s, br)
			a.Body = hex.EncodeToString(body)
		}
	}()
	req := &http.Request{Method: method}
	// readResponse: ReadResponse, again after each 1xx but 101, at most five.
	var resp *http.Response
	num1xx := 0
	for {
		start := consumed(s, br)
		r, err := http.ReadResponse(br, req)
		if err != nil {
			a.Outcome, a.Error, a.End = "refused", err.Error(), start
			return a
		}
		a.Heads = append(a.Heads, []int{r.StatusCode, start, consumed(s, br)})
		if 100 <= r.StatusCode && r.StatusCode <= 199 && r.StatusCode != http.StatusSwitchingProtocols {
			num1xx++
			if num1xx > max1xxResponses {
				a.Outcome, a.Error, a.End = "refused", "net/http: too many 1xx informational responses", start
				return a
			}
			continue
		}
		resp = r
		break
	}
	a.BodyStart = consumed(s, br)
	// readResponse: a protocol switch's body is the connection itself
	// (newReadWriteCloserBody over pc.br and the conn).
	protocolSwitch := resp.StatusCode == http.StatusSwitchingProtocols &&
		resp.Header.Get("Upgrade") != "" && headerContainsToken(resp.Header["Connection"], "upgrade")
	chunked := len(resp.TransferEncoding) > 0 && resp.TransferEncoding[0] == "chunked"
	untilClose := protocolSwitch || (!chunked && resp.ContentLength < 0 && resp.Body != http.NoBody)
	// readLoop: no keep-alive after Close, an unexpected 1xx or a writable (switched) body.
	alive := !(resp.Close || resp.StatusCode <= 199 || protocolSwitch)
	hasBody := method != "HEAD" && resp.ContentLength != 0
	if !hasBody && !protocolSwitch {
		// Not read by readLoop: the connection goes back to the pool as is.
		a.Outcome, a.Reuse, a.End = "complete", alive, consumed(s, br)
		a.Body = ""
		return a
	}
	s.eofAtEnd = untilClose
	var src io.Reader = resp.Body
	if protocolSwitch {
		src = br // newReadWriteCloserBody: what pc.br holds, then the conn
	}
	buf := make([]byte, 512)
	var err error
	for {
		var n int
		n, err = src.Read(buf)
		body = append(body, buf[:n]...)
		if err != nil {
			break
		}
	}
	a.Body = hex.EncodeToString(body)
	a.End = consumed(s, br)
	if err != io.EOF {
		// bodyEOFSignal: an error other than EOF ends the connection.
		a.Outcome, a.Error = "refused", err.Error()
		if errors.Is(err, io.ErrUnexpectedEOF) {
			panic(fmt.Sprintf("unexpected EOF while not at the end: %v", err))
		}
		return a
	}
	if untilClose {
		a.Outcome = "untilClose"
		return a
	}
	a.Outcome, a.Reuse = "complete", alive
	return a
}

// httpguts.HeaderValuesContainsToken (golang.org/x/net, vendored into
// net/http, not importable): copied from go1.19's vendor/.../httplex.go.
func headerContainsToken(values []string, token string) bool {
	for _, v := range values {
		for comma := strings.IndexByte(v, ','); comma != -1; comma = strings.IndexByte(v, ',') {
			if tokenEqual(trimOWS(v[:comma]), token) {
				return true
			}
			v = v[comma+1:]
		}
		if tokenEqual(trimOWS(v), token) {
			return true
		}
	}
	return false
}

func trimOWS(x string) string {
	for len(x) > 0 && (x[0] == ' ' || x[0] == '\t') {
		x = x[1:]
	}
	for len(x) > 0 && (x[len(x)-1] == ' ' || x[len(x)-1] == '\t') {
		x = x[:len(x)-1]
	}
	return x
}

func lowerASCII(b byte) byte {
	if 'A' <= b && b <= 'Z' {
		return b + ('a' - 'A')
	}
	return b
}

func tokenEqual(t1, t2 string) bool {
	if len(t1) != len(t2) {
		return false
	}
	for i, b := range t1 {
		if b >= utf8.RuneSelf {
			return false
		}
		if lowerASCII(byte(b)) != lowerASCII(t2[i]) {
			return false
		}
	}
	return true
}
