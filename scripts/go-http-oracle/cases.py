"""Golden cases for ResponseFramer: (name, methods, stream, stricter).

`methods` are the request methods of the 1st, 2nd, ... answer (repeated);
`stream` the bytes the daemon sends on one connection before it closes.
`stricter` (a reason, or None) marks a stream Go's client takes that the
proxy refuses on purpose; the Swift test then checks that the framer
refuses that answer instead of taking it.

Every file of fuzz/corpus/FuzzHTTP1Response/ is a case too (regen.py reads
them as the fuzz target does: a first line of methods, then the stream).
"""

CASES = []

HTTP10_TE = "the proxy refuses Transfer-Encoding on HTTP/1.0 (a daemon that sends it is confused; Go ignores the field)"


def b(s):
    return s.encode("latin-1") if isinstance(s, str) else s


def case(name, methods, stream, stricter=None):
    CASES.append((name, methods.split(), b(stream), stricter))


OK2 = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK"
NEXT = OK2                     # an answer after the one under test
CH = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
LOGS = CH + "e\r\n\x01\0\0\0\0\0\0\x06hello\n\r\n0\r\n\r\n"

# --- Framing by length ------------------------------------------------------
case("a length frames the body", "GET", OK2 + NEXT)
case("a zero length has no body", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n" + NEXT)
case("a length with spaces around it", "GET", "HTTP/1.1 200 OK\r\nContent-Length:  2 \t\r\n\r\nOK" + NEXT)
case("a length with leading zeros", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 002\r\n\r\nOK" + NEXT)
case("two equal lengths are one", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nOK" + NEXT)
case("two equal lengths, spaces differ", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length:  2 \r\n\r\nOK" + NEXT)
case("two different lengths are refused", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nOK" + NEXT)
case("lengths 1 and 01 differ", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 01\r\n\r\nOK" + NEXT)
case("a length list in one field is refused", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\nOK" + NEXT)
case("a signed length is refused", "GET", "HTTP/1.1 200 OK\r\nContent-Length: +2\r\n\r\nOK" + NEXT)
case("a negative length is refused", "GET", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\nOK" + NEXT)
case("a hex length is refused", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 0x2\r\n\r\nOK" + NEXT)
case("an empty length runs until the close", "GET", "HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\nOK" + NEXT)
case("an empty and a real length are refused", "GET", "HTTP/1.1 200 OK\r\nContent-Length: \r\nContent-Length: 2\r\n\r\nOK" + NEXT)
case("a length of 2^63-1 waits for the body", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 9223372036854775807\r\n\r\nOK")
case("a length of 2^63 is refused", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 9223372036854775808\r\n\r\nOK")
case("a length past 2^64 is refused", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\nOK")
case("a short body is truncated", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nOK")
case("a lower-case field name", "GET", "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nOK" + NEXT)

# --- Chunked --------------------------------------------------------------
case("a chunked logs stream", "GET", LOGS + NEXT)
case("chunked in capitals", "GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: CHUNKED\r\n\r\n1\r\na\r\n0\r\n\r\n" + NEXT)
case("chunked with spaces around it", "GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding:  chunked \r\n\r\n1\r\na\r\n0\r\n\r\n" + NEXT)
case("chunked wins over a length", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n" + NEXT)
case("chunked wins over two different lengths", "GET",
     "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n" + NEXT)
case("chunked wins over a bad length", "GET", "HTTP/1.1 200 OK\r\nContent-Length: x\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n" + NEXT)
case("gzip, chunked is refused", "GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n" + NEXT)
case("chunked, chunked is refused", "GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n" + NEXT)
case("identity is refused", "GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\nContent-Length: 2\r\n\r\nOK" + NEXT)
case("an empty Transfer-Encoding is refused", "GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: \r\nContent-Length: 2\r\n\r\nOK" + NEXT)
case("chunked in two fields is refused", "GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + NEXT)
case("Transfer-Encoding on HTTP/1.0 is ignored by Go", "GET", "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n",
     HTTP10_TE)
case("Transfer-Encoding gzip on HTTP/1.0 is ignored by Go", "GET", "HTTP/1.0 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nraw", HTTP10_TE)
case("chunk extensions are skipped", "GET", CH + "1;a=b\r\na\r\n0;c\r\n\r\n" + NEXT)
case("a chunk size in capitals", "GET", CH + "A\r\n0123456789\r\n0\r\n\r\n" + NEXT)
case("a chunk size with leading zeros", "GET", CH + "0001\r\na\r\n000\r\n\r\n" + NEXT)
case("a chunk size with spaces after it", "GET", CH + "1 \t\r\na\r\n0\r\n\r\n" + NEXT)
case("a chunk size with a space before it is refused", "GET", CH + " 1\r\na\r\n0\r\n\r\n" + NEXT)
case("an empty chunk size line", "GET", CH + "\r\n\r\n" + NEXT)
case("a chunk size of 16 hex digits", "GET", CH + "0000000000000001\r\na\r\n0\r\n\r\n" + NEXT)
case("a chunk size of 17 hex digits is refused", "GET", CH + "00000000000000001\r\na\r\n0\r\n\r\n" + NEXT)
case("a chunk size with a sign is refused", "GET", CH + "+1\r\na\r\n0\r\n\r\n" + NEXT)
case("a chunk size line with a bare LF", "GET", CH + "1\na\r\n0\n\r\n" + NEXT)
case("a chunk without CRLF after its data is refused", "GET", CH + "1\r\nab\r\n0\r\n\r\n" + NEXT)
case("a chunk with a bare LF after its data is refused", "GET", CH + "1\r\na\n0\r\n\r\n" + NEXT)
case("a bad chunk after a good one", "GET", CH + "1\r\na\r\nz\r\n" + NEXT)
case("a chunked body cut in its data is truncated", "GET", CH + "5\r\nab")
case("a chunked body cut before the last CRLF is truncated", "GET", CH + "0\r\n")
case("a chunked body cut in the trailer is truncated", "GET", CH + "0\r\nX: 1\r\n")
for n in (4093, 4094, 4095, 4096):
    case("a chunk line of %d bytes with its CRLF" % n, "GET", CH + "1;" + "e" * (n - 4) + "\r\na\r\n0\r\n\r\n" + NEXT)
for n in (4094, 4095, 4096, 4097):
    case("a last chunk line of %d bytes with its CRLF" % n, "GET", CH + "1\r\na\r\n0;" + "e" * (n - 4) + "\r\n\r\n" + NEXT)
case("a chunk line cut after 4096 bytes without LF is refused", "GET", CH + "1;" + "e" * 4100)
case("a chunk line cut after 4000 bytes is truncated", "GET", CH + "1;" + "e" * 4000)

# --- Trailers ---------------------------------------------------------------
case("a trailer", "GET", CH + "1\r\na\r\n0\r\nX-T: 1\r\n\r\n" + NEXT)
case("two trailers", "GET", CH + "0\r\nX-A: 1\r\nX-B: 2\r\n\r\n" + NEXT)
case("a trailer named Content-Length is read", "GET", CH + "0\r\nContent-Length: 5\r\n\r\n" + NEXT)
case("a trailer line without a colon is refused", "GET", CH + "0\r\nX\r\n\r\n" + NEXT)
case("a trailer with a bare LF", "GET", CH + "0\r\nX: 1\n\r\n\r\n" + NEXT)
case("a trailer section ending in bare LFs", "GET", CH + "0\r\nX: 1\n\n" + NEXT)
case("a trailer with a space before the colon", "GET", CH + "0\r\nX : 1\r\n\r\n" + NEXT)
case("a folded trailer line", "GET", CH + "0\r\nX: 1\r\n 2\r\n\r\n" + NEXT)
case("a trailer starting with a space", "GET", CH + "0\r\n X: 1\r\n\r\n" + NEXT)
case("a trailer with a non-token name", "GET", CH + "0\r\nX(y): 1\r\n\r\n" + NEXT)
case("a trailer with an empty name", "GET", CH + "0\r\n: 1\r\n\r\n" + NEXT)
case("a trailer with a control byte in its value", "GET", CH + "0\r\nX: a\x01b\r\n\r\n" + NEXT)
case("a trailer with a NUL in its value", "GET", CH + "0\r\nX: a\0b\r\n\r\n" + NEXT)
case("a trailer with a byte over 0x7f", "GET", CH + "0\r\nX: \xe9\r\n\r\n" + NEXT)
for total in (4094, 4095, 4096, 4097, 4100):
    # the trailer section from the first trailer byte to the CRLFCRLF's end
    line = "X: " + "y" * (total - 4 - 3) + "\r\n"
    case("a trailer section of %d bytes" % total, "GET", CH + "0\r\n" + line + "\r\n" + NEXT)
case("a trailer section of 41 lines past 4096 bytes", "GET",
     CH + "0\r\n" + ("X: " + "y" * 95 + "\r\n") * 41 + "\r\n" + NEXT)
case("a long trailer after a chunk", "GET", CH + "5\r\nhello\r\n0\r\n" + "X: " + "y" * 4083 + "\r\n\r\n" + NEXT)

# --- Trailer field declarations ---------------------------------------------
for name in ("Content-Length", "content-length", "Transfer-Encoding", "Trailer"):
    case("a Trailer field naming %s is refused" % name, "GET",
         "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X, %s\r\n\r\n0\r\n\r\n" % name + NEXT)
case("a Trailer field naming other fields", "GET",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-A, X-B\r\n\r\n0\r\nX-A: 1\r\n\r\n" + NEXT)
case("a Trailer field naming Content-Length without chunked", "GET",
     "HTTP/1.1 200 OK\r\nTrailer: Content-Length\r\nContent-Length: 2\r\n\r\nOK" + NEXT)
case("a Trailer field with empty elements", "GET",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: ,X,, \r\n\r\n0\r\n\r\n" + NEXT)
case("a Trailer field naming Content-Length with spaces", "GET",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer:  content-length \r\n\r\n0\r\n\r\n" + NEXT)

# --- No body ------------------------------------------------------------------
case("HEAD with a length has no body", "HEAD", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n" + NEXT)
case("HEAD with chunked has no body", "HEAD", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + NEXT)
case("HEAD without framing has no body", "HEAD", "HTTP/1.1 200 OK\r\n\r\n" + NEXT)
case("HEAD with a bad length is refused", "HEAD", "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n" + NEXT)
case("HEAD with two different lengths is refused", "HEAD", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n" + NEXT)
case("HEAD then GET", "HEAD GET", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n" + NEXT)
case("204 with body bytes: they start the next answer", "POST", "HTTP/1.1 204 No Content\r\nContent-Length: 4\r\n\r\nbody" + NEXT)
case("204 with a length, then an answer", "POST", "HTTP/1.1 204 No Content\r\nContent-Length: 4\r\n\r\n" + NEXT)
case("204 with a bad length: Go does not read it", "POST", "HTTP/1.1 204 No Content\r\nContent-Length: x\r\n\r\n" + NEXT)
case("204 with chunked", "POST", "HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n" + NEXT)
case("304 has no body", "GET", "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n" + NEXT)
case("304 with chunked has no body", "POST", "HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n" + NEXT)
case("304 without framing", "POST", "HTTP/1.1 304 Not Modified\r\n\r\n" + NEXT)
case("205 with a length has a body", "POST", "HTTP/1.1 205 Reset Content\r\nContent-Length: 2\r\n\r\nOK" + NEXT)

# --- Interim heads ------------------------------------------------------------
case("100 continue then the answer", "PUT", "HTTP/1.1 100 Continue\r\n\r\n" + OK2 + NEXT)
case("five interim heads are read", "GET", "HTTP/1.1 103 Early Hints\r\n\r\n" * 5 + OK2 + NEXT)
case("a sixth interim head is refused", "GET", "HTTP/1.1 103 Early Hints\r\n\r\n" * 6 + OK2 + NEXT)
case("five interim heads, then five more on the next answer", "GET", ("HTTP/1.1 100 Continue\r\n\r\n" * 5 + OK2) * 2)
case("an interim head with a length has no body", "GET", "HTTP/1.1 100 Continue\r\nContent-Length: 2\r\n\r\n" + OK2 + NEXT)
case("an interim head with a bad length: Go does not read it", "GET", "HTTP/1.1 100 Continue\r\nContent-Length: x\r\n\r\n" + OK2)
case("an interim head with gzip is refused", "GET", "HTTP/1.1 100 Continue\r\nTransfer-Encoding: gzip\r\n\r\n" + OK2)
case("an interim head with chunked", "GET", "HTTP/1.1 100 Continue\r\nTransfer-Encoding: chunked\r\n\r\n" + OK2 + NEXT)
case("an interim head with Connection: close", "GET", "HTTP/1.1 100 Continue\r\nConnection: close\r\n\r\n" + OK2 + NEXT)
case("199 is an interim head", "GET", "HTTP/1.1 199 Whatever\r\n\r\n" + OK2 + NEXT)
case("an interim head on HTTP/1.0", "GET", "HTTP/1.0 100 Continue\r\n\r\n" + OK2 + NEXT)
case("a 1xx cut short is truncated", "GET", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 20")

# --- 101 ------------------------------------------------------------------------
case("101 with an upgrade: the stream is the body", "POST",
     "HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n\x01\0\0\0\0\0\0\x02hi" + NEXT)
case("101 with an upgrade and no bytes after", "POST", "HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n")
case("101 with an upgrade among Connection tokens", "POST",
     "HTTP/1.1 101 UPGRADED\r\nConnection: keep-alive, UPGRADE \r\nUpgrade: tcp\r\n\r\nraw")
case("101 with an upgrade and a length", "POST",
     "HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 2\r\n\r\nOKraw")
case("101 without Upgrade ends the connection", "GET", "HTTP/1.1 101 Switching\r\nConnection: Upgrade\r\n\r\n" + NEXT)
case("101 with an empty Upgrade ends the connection", "GET", "HTTP/1.1 101 Switching\r\nConnection: Upgrade\r\nUpgrade: \r\n\r\n" + NEXT)
case("101 without Connection upgrade ends the connection", "GET", "HTTP/1.1 101 Switching\r\nUpgrade: tcp\r\n\r\n" + NEXT)
case("101 with neither ends the connection", "GET", "HTTP/1.1 101 Switching\r\n\r\n" + NEXT)
case("101 after an interim head", "POST", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\nraw")
case("101 with a bad length: Go does not read it", "POST", "HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: x\r\n\r\nraw")
case("101 on HTTP/1.0", "POST", "HTTP/1.0 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\nraw")
case("101 to HEAD", "HEAD", "HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\nraw")

# --- Until the close and connection reuse --------------------------------------
case("no framing runs until the close", "GET", "HTTP/1.1 200 OK\r\n\r\nraw bytes" + NEXT)
case("no framing and no bytes", "GET", "HTTP/1.1 200 OK\r\n\r\n")
case("Connection: close with a length", "GET", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nOK" + NEXT)
case("Connection: close in capitals among tokens", "GET", "HTTP/1.1 200 OK\r\nConnection: foo, CLOSE\r\nContent-Length: 2\r\n\r\nOK" + NEXT)
case("Connection: close in a second field", "GET", "HTTP/1.1 200 OK\r\nConnection: foo\r\nConnection: close\r\nContent-Length: 2\r\n\r\nOK" + NEXT)
case("Connection: closed is not close", "GET", "HTTP/1.1 200 OK\r\nConnection: closed\r\nContent-Length: 2\r\n\r\nOK" + NEXT)
case("Connection: close on a 204", "POST", "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n" + NEXT)
case("Connection: close on HEAD", "HEAD", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n" + NEXT)
case("HTTP/1.0 without keep-alive ends the connection", "GET", "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nOK" + NEXT)
case("HTTP/1.0 keep-alive keeps it", "GET", "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nOK" + NEXT)
case("HTTP/1.0 Keep-Alive in capitals keeps it", "GET", "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nOK" + NEXT)
case("HTTP/1.0 keep-alive and close ends it", "GET", "HTTP/1.0 200 OK\r\nConnection: keep-alive, close\r\nContent-Length: 2\r\n\r\nOK" + NEXT)
case("HTTP/1.0 keep-alive and close in two fields ends it", "GET",
     "HTTP/1.0 200 OK\r\nConnection: close\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nOK" + NEXT)
case("HTTP/1.0 keep-alive without framing runs until the close", "GET", "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\nraw")
case("HTTP/1.0 keep-alive 204", "POST", "HTTP/1.0 204 No Content\r\nConnection: keep-alive\r\n\r\n" + NEXT)
case("HTTP/1.0 204 without keep-alive", "POST", "HTTP/1.0 204 No Content\r\n\r\n" + NEXT)
case("HTTP/1.1 keep-alive is the default", "GET", "HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nOK" + NEXT)
case("three answers on one connection", "POST POST GET", OK2 + OK2 + OK2 + NEXT)
case("eight answers and more: reading stops at eight", "GET", OK2 * 10)
case("an answer then garbage", "GET", OK2 + "garbage\r\n\r\n")
case("an answer then a partial head", "GET", OK2 + "HTTP/1.1 200 OK\r\n")

# --- Status lines and heads ---------------------------------------------------------
case("a status line without a reason", "GET", "HTTP/1.1 200\r\nContent-Length: 2\r\n\r\nOK" + NEXT)
case("a status line with an empty reason", "GET", "HTTP/1.1 200 \r\nContent-Length: 2\r\n\r\nOK" + NEXT)
case("a status line with two spaces", "GET", "HTTP/1.1  200 OK\r\nContent-Length: 2\r\n\r\nOK" + NEXT)
case("a status of two digits is refused", "GET", "HTTP/1.1 20 OK\r\nContent-Length: 2\r\n\r\nOK")
case("a status of four digits is refused", "GET", "HTTP/1.1 2000 OK\r\nContent-Length: 2\r\n\r\nOK")
case("a status of 099 has a body and ends the connection", "GET", "HTTP/1.1 099 Odd\r\nContent-Length: 2\r\n\r\nOK" + NEXT)
case("a status of 600", "GET", "HTTP/1.1 600 Odd\r\nContent-Length: 2\r\n\r\nOK" + NEXT)
case("a status of 999", "GET", "HTTP/1.1 999 Odd\r\nContent-Length: 2\r\n\r\nOK" + NEXT)
case("a status with a sign", "GET", "HTTP/1.1 +20 Odd\r\nContent-Length: 2\r\n\r\nOK" + NEXT)
case("a status with a minus", "GET", "HTTP/1.1 -20 Odd\r\nContent-Length: 2\r\n\r\nOK" + NEXT)
case("a status line with a bare LF", "GET", "HTTP/1.1 200 OK\nContent-Length: 2\r\n\r\nOK" + NEXT)
case("a head with bare LFs", "GET", "HTTP/1.1 200 OK\nContent-Length: 2\n\nOK" + NEXT)
case("HTTP/1.2", "GET", "HTTP/1.2 200 OK\r\nContent-Length: 2\r\n\r\nOK" + NEXT)
case("HTTP/2.0", "GET", "HTTP/2.0 200 OK\r\nContent-Length: 2\r\n\r\nOK" + NEXT)
case("HTTP/0.9", "GET", "HTTP/0.9 200 OK\r\nContent-Length: 2\r\n\r\nOK" + NEXT)
case("a lower-case version is refused", "GET", "http/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK")
case("a version with three digits is refused", "GET", "HTTP/1.10 200 OK\r\nContent-Length: 2\r\n\r\nOK")
case("no version is refused", "GET", "200 OK\r\nContent-Length: 2\r\n\r\nOK")
case("an empty line before the status line is refused", "GET", "\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK")
case("a folded field line", "GET", "HTTP/1.1 200 OK\r\nX: a\r\n b\r\nContent-Length: 2\r\n\r\nOK" + NEXT)
case("a folded Content-Length", "GET", "HTTP/1.1 200 OK\r\nContent-Length:\r\n 2\r\n\r\nOK" + NEXT)
case("a field line starting the head with a space is refused", "GET", "HTTP/1.1 200 OK\r\n X: a\r\nContent-Length: 2\r\n\r\nOK")
case("a field line without a colon is refused", "GET", "HTTP/1.1 200 OK\r\nX\r\nContent-Length: 2\r\n\r\nOK")
case("a field with a space before the colon", "GET", "HTTP/1.1 200 OK\r\nContent-Length : 2\r\n\r\nOK" + NEXT)
case("a field with an empty name", "GET", "HTTP/1.1 200 OK\r\n: x\r\nContent-Length: 2\r\n\r\nOK" + NEXT)
case("a field with a non-token name", "GET", "HTTP/1.1 200 OK\r\nX(y): 1\r\nContent-Length: 2\r\n\r\nOK" + NEXT)
case("a field with a control byte in its value", "GET", "HTTP/1.1 200 OK\r\nX: a\x01b\r\nContent-Length: 2\r\n\r\nOK" + NEXT)
case("a field with a NUL in its value", "GET", "HTTP/1.1 200 OK\r\nX: a\0b\r\nContent-Length: 2\r\n\r\nOK" + NEXT)
case("a field with a CR in its value", "GET", "HTTP/1.1 200 OK\r\nX: a\rb\r\nContent-Length: 2\r\n\r\nOK" + NEXT)
case("a field with bytes over 0x7f", "GET", "HTTP/1.1 200 OK\r\nX: caf\xc3\xa9\r\nContent-Length: 2\r\n\r\nOK" + NEXT)
case("a field with a tab in its value", "GET", "HTTP/1.1 200 OK\r\nX: a\tb\r\nContent-Length: 2\r\n\r\nOK" + NEXT)
case("a status line with a control byte in its reason", "GET", "HTTP/1.1 200 O\x01K\r\nContent-Length: 2\r\n\r\nOK" + NEXT)
case("a head of 300 fields", "GET", "HTTP/1.1 200 OK\r\n" + "".join("X-%d: v\r\n" % i for i in range(300)) + "Content-Length: 2\r\n\r\nOK" + NEXT,
     "the proxy reads at most 256 fields in a head (HTTPLimits.maxHeaderCount); Go's limit is 10 MiB of head")
case("an empty stream", "GET", "")
case("a stream cut in the status line", "GET", "HTTP/1.1 2")


# --- Matrix: version x status x method x framing x Connection -----------------------
# Each answer is followed by a chunked answer and an OK, so that where Go (and
# the proxy) ends it and whether it reads on are both visible.
FRAMINGS = [
    ("no framing", ""),
    ("length 3", "Content-Length: 3\r\n"),
    ("length 0", "Content-Length: 0\r\n"),
    ("chunked", "Transfer-Encoding: chunked\r\n"),
    ("chunked and a length", "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n"),
]
CONNECTIONS = [
    ("", ""),
    (" close", "Connection: close\r\n"),
    (" keep-alive", "Connection: keep-alive\r\n"),
    (" upgrade", "Connection: Upgrade\r\nUpgrade: tcp\r\n"),
]
for version in ("HTTP/1.0", "HTTP/1.1"):
    for status in (100, 101, 200, 204, 304, 404):
        for method in ("GET", "HEAD"):
            for fname, framing in FRAMINGS:
                for cname, connection in CONNECTIONS:
                    body = "3\r\nabc\r\n0\r\n\r\n" if "chunked" in fname else "abc"
                    # Go ignores Transfer-Encoding on HTTP/1.0; the proxy refuses it (after a 100,
                    # the body's bytes are the next head, which Go refuses too).
                    refused = HTTP10_TE if version == "HTTP/1.0" and "chunked" in fname and status != 100 else None
                    case("matrix %s %d %s %s%s" % (version, status, method, fname, cname), method + " GET",
                         "%s %d X\r\n%s%s\r\n%s" % (version, status, framing, connection, body) + LOGS + NEXT, refused)


# --- Random streams from fragments (seeded) -----------------------------------------
# Mostly for GoClientModelTests: the model must read each as Go does. The proxy
# may refuse any answer of these (its head rules are stricter in many small
# ways, listed above), but an answer it takes must be Go's, and one Go
# refuses it must refuse.
ANY = "any: random fragments; the proxy may refuse an answer, as in FuzzHTTP1Response"
STATUS_LINES = ["HTTP/1.1 200 OK\r\n", "HTTP/1.0 200 OK\r\n", "HTTP/1.1 100 Continue\r\n", "HTTP/1.1 101 S\r\n",
                "HTTP/1.1 204 N\r\n", "HTTP/1.1 304 N\r\n", "HTTP/1.1 103 E\r\n", "HTTP/1.1 404 N\n", "HTTP/1.1 200\r\n",
                "HTTP/1.1 20 OK\r\n", "HTTP/1.9 500 E\r\n"]
FIELDS = ["Content-Length: 3\r\n", "Content-Length: 0\r\n", "Content-Length: 1\r\n", "Content-Length: x\r\n",
          "Content-Length:\r\n", "Transfer-Encoding: chunked\r\n", "Transfer-Encoding: gzip\r\n",
          "Transfer-Encoding: chunked, identity\r\n", "Connection: close\r\n", "Connection: keep-alive\r\n",
          "Connection: upgrade\r\n", "Upgrade: tcp\r\n", "Trailer: X\r\n", "Trailer: Content-Length\r\n",
          "X: y\r\n", " folded\r\n", "X y\r\n", "X: y\n", "content-length: 3\r\n", "TRANSFER-ENCODING: CHUNKED\r\n"]
BODIES = ["abc", "3\r\nabc\r\n", "0\r\n\r\n", "0\r\nX: 1\r\n\r\n", "1;x\r\na\r\n", "\r\n", "\n", "0\r\n",
          "g\r\n", "ffffffffffffffffff\r\n", "2\r\nab", "\r\n\r\n", "OK", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK"]


def random_cases(count, seed):
    import random
    rng = random.Random(seed)
    for n in range(count):
        stream = ""
        for _ in range(rng.randint(1, 3)):
            stream += rng.choice(STATUS_LINES)
            stream += "".join(rng.choice(FIELDS) for _ in range(rng.randint(0, 4)))
            stream += "\r\n"
            stream += "".join(rng.choice(BODIES) for _ in range(rng.randint(0, 3)))
        methods = " ".join(rng.choice(["GET", "GET", "HEAD", "POST"]) for _ in range(rng.randint(1, 3)))
        case("random %d" % n, methods, stream, ANY)


random_cases(400, 20261201)


# --- Forms Go's client takes that the proxy refuses on purpose ------------------
# dockerd's server (Go net/http) never writes any of these; the proxy answers
# 502 rather than guess, and the head rules are those it applies to requests.
def stricter(reason, *names):
    for name in names:
        [i] = [k for k, c in enumerate(CASES) if c[0] == name]
        CASES[i] = CASES[i][:3] + (reason,)


stricter("an empty Content-Length is not a length (RFC 9110 8.6); Go reads it as absent, the body until the close",
         "an empty length runs until the close")
stricter("every Content-Length must be one valid length, even beside chunked or where no body is read (Go drops or ignores it)",
         "chunked wins over two different lengths", "chunked wins over a bad length",
         "204 with a bad length: Go does not read it", "an interim head with a bad length: Go does not read it",
         "101 with a bad length: Go does not read it")
stricter("a chunk-size line needs at least one hex digit (Go reads an empty one as the last chunk)",
         "an empty chunk size line")
stricter("chunk lines and trailer lines end in CRLF (Go takes a bare LF)",
         "a chunk size line with a bare LF", "a trailer with a bare LF", "a trailer section ending in bare LFs")
stricter("trailer lines follow the proxy's field-line rules: a token name right before the colon, no folding, "
         "no control bytes (Go's textproto takes them)",
         "a trailer with a space before the colon", "a folded trailer line", "a trailer with a non-token name",
         "a trailer with an empty name", "a trailer with a control byte in its value", "a trailer with a NUL in its value")
stricter("the status line is HTTP/1.0 or HTTP/1.1, one space, three digits from 100, CRLF (Go takes any HTTP/x.y, "
         "a sign, extra spaces, statuses under 100, a bare LF)",
         "a status line with two spaces", "a status of 099 has a body and ends the connection", "a status with a sign",
         "a status line with a bare LF", "a head with bare LFs", "HTTP/1.2", "HTTP/2.0", "HTTP/0.9")
stricter("field lines follow RFC 9112 5: a token name right before the colon, no obs-fold, no CR, NUL or other "
         "control byte in a value (Go's textproto takes them)",
         "a folded field line", "a folded Content-Length", "a field with a space before the colon",
         "a field with an empty name", "a field with a non-token name", "a field with a control byte in its value",
         "a field with a NUL in its value", "a field with a CR in its value")
