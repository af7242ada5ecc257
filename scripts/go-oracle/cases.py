"""Golden cases: (name, schema, input bytes[, "refuse"]).

"refuse" marks inputs Go accepts that we deliberately refuse (forms we do not
emulate); the Swift test checks that we fail on them. Schemas are named in
main.go (Go) and GoldenSchemas.swift (Swift).
"""
import random

K = "\u212a".encode()   # KELVIN SIGN
S = "\u017f".encode()   # LATIN SMALL LETTER LONG S


def b(s):
    return s.encode() if isinstance(s, str) else s


CASES = []


def case(name, schema, data, *flags):
    CASES.append((name, schema, b(data), flags))


# --- Parser: accepted forms -------------------------------------------------
for name, doc in [
    ("empty object", "{}"), ("empty array", "[]"),
    ("surrounding whitespace", " \t\r\n{\"a\":1} \n"),
    ("zero", "0"), ("negative zero", "-0"), ("negative zero fraction", "-0.0"),
    ("exponent", "1e5"), ("exponent capital plus", "1E+5"), ("exponent minus", "1e-5"),
    ("fraction and exponent", "123.456e-7"), ("true", "true"), ("false", "false"),
    ("null", "null"), ("string", "\"x\""),
    ("nested", "{\"a\":[1,{\"b\":[true,false,null]},\"s\"],\"c\":{}}"),
    ("whitespace everywhere", "{ \"a\" : [ 1 , 2 ] , \"b\" : { } }"),
    ("number then garbage", "123x"), ("leading zero ends number", "01"),
    ("negative leading zero", "-01"), ("true then garbage", "truex"),
    ("null null", "nullnull"), ("two strings", "\"a\"\"b\""),
    ("object then garbage", "{}x"), ("array then bracket", "[1]]"),
    ("two numbers", "1 2"), ("object then open", "{\"a\":1}{"),
    ("second dot ends number", "0.5.5"), ("number then minus", "1-2"),
    ("string then garbage", "\"a\"x"),
]:
    case("parse ok: " + name, "any", doc)

# --- Parser: refused forms ----------------------------------------------------
for name, doc in [
    ("leading zero in array", "[01]"), ("trailing comma in array", "[1,]"),
    ("trailing comma in object", "{\"a\":1,}"), ("leading comma", "[,1]"),
    ("empty members", "{,}"), ("plus sign", "+1"), ("leading dot", ".5"),
    ("dot exponent", "1.e5"), ("NaN", "NaN"), ("Infinity", "Infinity"),
    ("minus Infinity", "-Infinity"), ("single quoted string", "'a'"),
    ("single quoted key", "{'a':1}"), ("block comment", "/*c*/1"),
    ("line comment", "// c\n1"), ("missing comma", "[1 2]"),
    ("missing colon", "{\"a\" 1}"), ("missing value", "{\"a\":}"),
    ("bare key", "{a:1}"), ("control char in string", "\"\x01\""),
    ("raw tab in string", "\"\t\""), ("raw newline in string", "\"a\nb\""),
    ("NUL in string", b"\"a\x00b\""), ("single quote escape", "\"\\'\""),
    ("unknown escape", "\"\\x\""), ("short unicode escape", "\"\\u12\""),
    ("bad hex in unicode escape", "\"\\u12G4\""), ("capital U escape", "\"\\U0041\""),
    ("True", "True"), ("form feed is not space", "\f1"),
    ("vertical tab is not space", "\v1"), ("NBSP is not space", "\u00a01"),
    ("byte order mark", "\ufeff{}"), ("double minus", "--1"), ("minus space", "- 1"),
    ("hex number", "0x10"), ("underscore number", "1_000"),
    ("garbage in nested unknown", "{\"zzz\":[1,{\"a\":}]}"),
    ("number then letter in array", "[1x]"), ("object key not string", "{1:2}"),
    ("colon in array", "[1:2]"), ("comma after key", "{\"a\",1}"),
    ("lone closing bracket", "]"), ("lone comma", ","),
    ("minus letter", "-x"), ("dot letter", "1.x"), ("exponent letter", "1ex"),
    ("tru then x", "trux"), ("nul then x", "nulx"),
]:
    case("parse refused: " + name, "any", doc)

for name, doc in [
    ("empty input", ""), ("whitespace only", " \t\r\n "),
]:
    case("parse empty: " + name, "any", doc)

for name, doc in [
    ("open array", "["), ("open object", "{"), ("key only", "{\"a\""),
    ("key colon", "{\"a\":"), ("unterminated string", "\"abc"),
    ("unterminated escape", "\"ab\\"), ("unterminated unicode escape", "\"\\u00"),
    ("tru", "tru"), ("nul", "nul"), ("fals", "fals"), ("minus", "-"),
    ("dot", "1."), ("exponent", "1e"), ("exponent sign", "1e+"),
    ("array comma", "[1,"), ("object comma", "{\"a\":1,"),
    ("nested open", "{\"a\":[{\"b\":1}"), ("array value", "[1"),
]:
    case("parse truncated: " + name, "any", doc)

# --- Strings: escapes, surrogates, invalid UTF-8 ------------------------------
for name, doc in [
    ("simple escapes", "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\""),
    ("unicode escape ASCII", "\"\\u0041\""), ("unicode escape latin", "\"\\u00e9\""),
    ("unicode escape NUL", "\"\\u0000\""), ("surrogate pair", "\"\\uD83D\\uDE00\""),
    ("lone high surrogate", "\"\\uD83D\""), ("lone low surrogate", "\"\\uDE00\""),
    ("high surrogate then letter", "\"\\uD83Dx\""),
    ("high surrogate then BMP escape", "\"\\uD83D\\u0041\""),
    ("two highs then low", "\"\\uD83D\\uD83D\\uDE00\""),
    ("low then high", "\"\\uDE00\\uD83D\""), ("high then newline escape", "\"\\uD83D\\n\""),
    ("lowercase hex pair", "\"\\ud83d\\ude00\""),
    ("invalid byte FF", b"\"\xff\""), ("lone lead byte", b"\"\xc3\""),
    ("lead byte then ASCII", b"\"\xc3(\""), ("truncated 3-byte", b"\"\xe2\x82\""),
    ("truncated 3-byte then ASCII", b"\"\xe2\x82(\""),
    ("UTF-8 encoded surrogate", b"\"\xed\xa0\x80\""), ("overlong NUL", b"\"\xc0\x80\""),
    ("overlong slash", b"\"\xe0\x80\xaf\""), ("beyond U+10FFFF", b"\"\xf4\x90\x80\x80\""),
    ("truncated 4-byte", b"\"\xf0\x9f\x98\""), ("5-byte form", b"\"\xf8\x88\x80\x80\x80\""),
    ("lone continuation", b"\"\x80\""), ("invalid in middle", b"\"a\xffb\""),
    ("valid e acute", "\"\u00e9\""), ("literal replacement char", "\"\ufffd\""),
    ("valid 4-byte", "\"\U0001F600\""), ("DEL is allowed", "\"\x7f\""),
    ("invalid then valid multibyte", b"\"\xe2\xe2\x82\xac\""),
]:
    case("string: " + name, "string", doc)
case("string: invalid UTF-8 in key", "any", b"{\"\xff\":1,\"a\xc3\":2}")
case("string: escaped key", "any", "{\"\\u0061\":1}")

# --- Struct field matching ------------------------------------------------------
for name, doc in [
    ("fold lower", "{\"name\":\"x\"}"), ("fold upper", "{\"NAME\":\"x\"}"),
    ("exact tag", "{\"kind\":\"a\"}"), ("fold tag", "{\"KIND\":\"a\"}"),
    ("kelvin escape", "{\"\\u212aind\":\"k\"}"),
    ("long s escape", "{\"\\u017fize\":5}"),
    ("exact lower wins", "{\"ab\":\"1\"}"), ("exact upper wins", "{\"AB\":\"2\"}"),
    ("both exact", "{\"ab\":\"1\",\"AB\":\"2\"}"), ("both exact reversed", "{\"AB\":\"2\",\"ab\":\"1\"}"),
    ("fold goes to first field", "{\"Ab\":\"x\"}"), ("fold goes to first field 2", "{\"aB\":\"x\"}"),
    ("fold then exact", "{\"Ab\":\"x\",\"AB\":\"y\"}"),
    ("underscore fold", "{\"A_B\":\"x\"}"), ("underscore mismatch", "{\"a-b\":\"x\"}"),
    ("digit fold", "{\"N1\":\"x\"}"), ("kelvin in xk", "{\"x\\u212a\":\"k\"}"),
    ("kelvin in XK upper", "{\"X\\u212a\":\"k\"}"), ("long s in xs", "{\"x\\u017f\":\"s\"}"),
    ("kelvin where s", "{\"x\\u212a\":\"k\",\"xs\":\"s\"}"),
    ("long s does not match k", "{\"x\\u017f\":\"s\",\"xk\":\"k\"}"),
    ("dup via fold last wins", "{\"Name\":\"a\",\"name\":\"b\"}"),
    ("dup via fold other order", "{\"name\":\"b\",\"Name\":\"a\"}"),
    ("escaped exact", "{\"Nam\\u0065\":\"e\"}"),
    ("dotless i no match", "{\"K\\u0131nd\":\"x\"}"),
    ("dotted I no match", "{\"K\\u0130ND\":\"x\"}"),
    ("fullwidth no match", "{\"\\uff2b\\uff29\\uff2e\\uff24\":\"x\"}"),
    ("kelvin for name without k", "{\"N\\u212ame\":\"x\"}"),
    ("combining accent no match", "{\"Name\\u0301\":\"x\"}"),
    ("unknown key ignored even with bad number", "{\"zzz\":1e400,\"Name\":\"n\"}"),
    ("unknown key ignored with any value", "{\"zzz\":{\"a\":[1,2,{}]},\"Name\":\"n\"}"),
    ("trailing space in key", "{\"Name \":\"x\"}"),
    ("empty key", "{\"\":\"x\"}"),
]:
    case("match: " + name, "kitchen", doc)
case("match: raw kelvin bytes", "kitchen", b"{\"" + K + b"IND\":\"k\",\"" + S + b"IZE\":7}")
case("match: kelvin lower ind", "kitchen", b"{\"" + K + b"ind\":\"k\"}")

# --- Duplicate keys: merging ----------------------------------------------------------
for name, doc in [
    ("struct merges", "{\"In\":{\"a\":1},\"In\":{\"b\":\"x\"}}"),
    ("pointer merges", "{\"Ptr\":{\"a\":1},\"Ptr\":{\"b\":\"x\"}}"),
    ("pointer reset by null", "{\"Ptr\":{\"a\":1},\"Ptr\":null,\"Ptr\":{\"b\":\"x\"}}"),
    ("map entries replaced not merged", "{\"Map\":{\"k\":{\"a\":1}},\"Map\":{\"k\":{\"b\":\"x\"},\"j\":{}}}"),
    ("map merges entries", "{\"Labels\":{\"a\":\"1\"},\"Labels\":{\"b\":\"2\"}}"),
    ("map dup key in one object", "{\"Labels\":{\"a\":\"1\",\"a\":\"2\"}}"),
    ("map null", "{\"Labels\":{\"a\":\"1\"},\"Labels\":null}"),
    ("map empty keeps", "{\"Labels\":{\"a\":\"1\"},\"Labels\":{}}"),
    ("slice of struct merges element-wise", "{\"List\":[{\"a\":1},{\"a\":2}],\"List\":[{\"b\":\"x\"}]}"),
    ("slice stale elements revive", "{\"List\":[{\"a\":1},{\"a\":2},{\"a\":3}],\"List\":[{\"b\":\"x\"}],\"List\":[{},{},{},{}]}"),
    ("slice stale five", "{\"List\":[{\"a\":1},{\"a\":2},{\"a\":3},{\"a\":4},{\"a\":5}],\"List\":[{}],\"List\":[{},{},{},{},{},{}]}"),
    ("slice empty array resets", "{\"List\":[{\"a\":1},{\"a\":2}],\"List\":[],\"List\":[{},{}]}"),
    ("slice null resets", "{\"List\":[{\"a\":1},{\"a\":2}],\"List\":null,\"List\":[{},{}]}"),
    ("int slice stale with nulls", "{\"Ints\":[1,2,3],\"Ints\":[9],\"Ints\":[null,null,null]}"),
    ("int slice reset then nulls", "{\"Ints\":[1,2,3],\"Ints\":[],\"Ints\":[null,null]}"),
    ("int slice grows past stale", "{\"Ints\":[1,2,3,4,5],\"Ints\":[7],\"Ints\":[null,null,null,null,null,null,null]}"),
    ("array shorter zeroes rest", "{\"Arr\":[1,2,3],\"Arr\":[9]}"),
    ("array null element keeps", "{\"Arr\":[1,2,3],\"Arr\":[null]}"),
    ("array extra elements skipped", "{\"Arr\":[1,2,3,4,\"x\",1e400]}"),
    ("array null is no-op", "{\"Arr\":[1,2,3],\"Arr\":null}"),
    ("array of struct merges", "{\"ArrS\":[{\"a\":1}],\"ArrS\":[{\"b\":\"x\"}]}"),
    ("array of struct merges both", "{\"ArrS\":[{\"a\":1},{\"a\":2}],\"ArrS\":[{\"b\":\"x\"},{\"b\":\"y\"}]}"),
    ("interface replaced", "{\"Any\":{\"a\":1},\"Any\":{\"b\":2}}"),
    ("interface map value replaced", "{\"MapAny\":{\"a\":{\"x\":1}},\"MapAny\":{\"a\":{\"y\":2}}}"),
    ("interface slice elements replaced", "{\"Anys\":[{\"a\":1}],\"Anys\":[{\"b\":2}]}"),
    ("interface stale in slice", "{\"Anys\":[1,2,3],\"Anys\":[4],\"Anys\":[null,null,{}]}"),
    ("double pointer", "{\"PP\":5}"), ("double pointer null", "{\"PP\":5,\"PP\":null}"),
    ("double pointer merge", "{\"PP\":5,\"PP\":6}"),
    ("string pointer null", "{\"Str\":\"a\",\"Str\":null}"),
    ("custom pointer replaced", "{\"CmdP\":[\"a\"],\"CmdP\":\"b\"}"),
    ("nested slice in struct stale", "{\"In\":{\"c\":[1,2,3]},\"In\":{\"c\":[7]},\"In\":{\"c\":[null,null,null]}}"),
    ("pointer in slice element merges", "{\"List\":[{\"p\":{\"a\":1}}],\"List\":[{\"p\":{\"b\":\"x\"}}]}"),
    ("map of pointers replaced", "{\"MapP\":{\"k\":{\"a\":1}},\"MapP\":{\"k\":{\"b\":\"x\"}}}"),
    ("scalar overwritten", "{\"I\":1,\"I\":2}"),
    ("bytes then array stale", "{\"Bytes\":\"aGk=\",\"Bytes\":[9],\"Bytes\":[null,null]}"),
    ("bytes then array grows", "{\"Bytes\":\"aGk=\",\"Bytes\":[9],\"Bytes\":[null,null,null,null]}"),
]:
    case("dup: " + name, "kitchen", doc)
case("dup: top-level list stale", "innerList", "[{\"a\":1},{\"a\":2}]")
case("dup: top-level map", "mapInner", "{\"k\":{\"a\":1},\"k\":{\"b\":\"x\"}}")

# --- null -------------------------------------------------------------------------------
for name, doc in [
    ("null on string keeps", "{\"Name\":\"a\",\"Name\":null}"),
    ("null on absent string", "{\"Name\":null}"), ("null on struct", "{\"In\":null}"),
    ("null on struct keeps", "{\"In\":{\"a\":1},\"In\":null}"),
    ("null on array", "{\"Arr\":null}"), ("null on slice", "{\"List\":null}"),
    ("null on int keeps", "{\"I\":3,\"I\":null}"), ("null on bool", "{\"Flag\":null}"),
    ("null on float", "{\"F64\":null}"),
    ("null on custom calls it", "{\"Cmd\":null}"),
    ("null on custom resets", "{\"Cmd\":[\"a\"],\"Cmd\":null}"),
    ("null on custom pointer", "{\"CmdP\":[\"a\"],\"CmdP\":null}"),
    ("null map value struct", "{\"Map\":{\"k\":null}}"),
    ("null map value pointer", "{\"MapP\":{\"k\":null}}"),
    ("null map value string", "{\"Labels\":{\"a\":null}}"),
    ("null map value custom", "{\"CmdM\":{\"a\":null}}"),
    ("null map value int key", "{\"MapI\":{\"1\":null}}"),
    ("null map value interface", "{\"MapAny\":{\"k\":null}}"),
    ("null in interface slice", "{\"Anys\":[null]}"),
    ("null in int slice", "{\"Ints\":[null]}"), ("null bytes", "{\"Bytes\":null}"),
    ("null interface", "{\"Any\":1,\"Any\":null}"),
    ("null in bytes list", "{\"BytesL\":[\"aGk=\",null,\"\"]}"),
]:
    case("null: " + name, "kitchen", doc)
case("null: top-level into struct", "kitchen", "null")
case("null: top-level into pointer", "kitchenPtr", "null")
case("null: top-level into int", "int", "null")
case("null: top-level into custom", "strslice", "null")
case("null: top-level struct via pointer", "kitchenPtr", "{}")

# --- type mismatches and number ranges ------------------------------------------------
for name, doc in [
    ("number into string", "{\"Name\":1}"), ("bool into string", "{\"Name\":true}"),
    ("array into string", "{\"Name\":[]}"), ("object into string", "{\"Name\":{}}"),
    ("string into int", "{\"I\":\"1\"}"), ("fraction into int", "{\"I\":1.5}"),
    ("exponent into int", "{\"I\":1e2}"), ("point zero into int", "{\"I\":1.0}"),
    ("negative zero into int", "{\"I\":-0}"), ("negative zero into uint", "{\"U64\":-0}"),
    ("negative into uint", "{\"U64\":-1}"), ("int8 max", "{\"I8\":127}"),
    ("int8 overflow", "{\"I8\":128}"), ("int8 min", "{\"I8\":-128}"),
    ("int8 underflow", "{\"I8\":-129}"), ("uint8 max", "{\"U8\":255}"),
    ("uint8 overflow", "{\"U8\":256}"), ("uint16 max", "{\"U16\":65535}"),
    ("int32 overflow", "{\"I32\":2147483648}"), ("int32 min", "{\"I32\":-2147483648}"),
    ("uint64 max", "{\"U64\":18446744073709551615}"),
    ("uint64 overflow", "{\"U64\":18446744073709551616}"),
    ("int max", "{\"I\":9223372036854775807}"), ("int min", "{\"I\":-9223372036854775808}"),
    ("int overflow", "{\"I\":9223372036854775808}"), ("int64 tag", "{\"size\":-5}"),
    ("number into bool", "{\"Flag\":1}"), ("string into bool", "{\"Flag\":\"true\"}"),
    ("array into struct", "{\"In\":[]}"), ("object into slice", "{\"List\":{}}"),
    ("array into map", "{\"Map\":[]}"), ("string into slice", "{\"Ints\":\"1\"}"),
    ("object into array", "{\"Arr\":{}}"), ("huge into interface", "{\"Any\":1e400}"),
    ("huge in interface slice", "{\"Anys\":[1e400]}"), ("float32 overflow", "{\"F32\":3.5e38}"),
    ("float32 max", "{\"F32\":3.4028235e38}"), ("float64 overflow", "{\"F64\":1e309}"),
    ("float64 underflow", "{\"F64\":1e-400}"), ("float64 negative underflow", "{\"F64\":-1e-400}"),
    ("float64 negative zero", "{\"F64\":-0}"), ("float32 underflow", "{\"F32\":1e-46}"),
    ("float32 denormal", "{\"F32\":1e-45}"), ("map value mismatch", "{\"Map\":{\"k\":1}}"),
    ("mismatch then valid fields", "{\"Name\":1,\"I\":2}"),
    ("string into interface slice ok", "{\"Anys\":[\"x\"]}"),
    ("bool into float", "{\"F64\":true}"), ("number into bytes", "{\"Bytes\":1}"),
    ("object into bytes", "{\"Bytes\":{}}"), ("number into pointer struct", "{\"Ptr\":1}"),
    ("string into double pointer", "{\"PP\":\"x\"}"),
]:
    case("types: " + name, "kitchen", doc)
case("types: string into struct top", "kitchen", "\"x\"")
case("types: array into struct top", "kitchen", "[]")
case("types: number into int8 top", "int8", "-128")
case("types: big into uint64 top", "uint64", "18446744073709551615")
case("types: bool top", "bool", "true")
case("types: arr3 short", "arr3", "[1]")
case("types: arr3 long", "arr3", "[1,2,3,4]")
case("types: ints", "ints", "[1,2,-3]")

# --- map keys -----------------------------------------------------------------------------
for name, doc in [
    ("int keys canonical", "{\"MapI\":{\"1\":\"a\",\"01\":\"b\"}}"),
    ("int key plus", "{\"MapI\":{\"+5\":\"p\"}}"), ("int key minus zero", "{\"MapI\":{\"-0\":\"z\"}}"),
    ("int key negative", "{\"MapI\":{\"-12\":\"n\"}}"),
    ("int key space", "{\"MapI\":{\" 1\":\"x\"}}"), ("int key exponent", "{\"MapI\":{\"1e2\":\"x\"}}"),
    ("int key empty", "{\"MapI\":{\"\":\"x\"}}"), ("int key overflow", "{\"MapI\":{\"9223372036854775808\":\"x\"}}"),
    ("int8 key max", "{\"MapI8\":{\"127\":\"a\"}}"), ("int8 key overflow", "{\"MapI8\":{\"128\":\"a\"}}"),
    ("uint8 key max", "{\"MapU\":{\"255\":1}}"), ("uint8 key negative", "{\"MapU\":{\"-1\":1}}"),
    ("uint8 key plus", "{\"MapU\":{\"+1\":1}}"), ("uint8 key overflow", "{\"MapU\":{\"256\":1}}"),
    ("int keys sorted as strings", "{\"MapI\":{\"10\":\"a\",\"9\":\"b\",\"100\":\"c\",\"-1\":\"d\"}}"),
    ("canonically equivalent keys stay apart", "{\"Labels\":{\"\u00e9\":\"1\",\"e\u0301\":\"2\"}}"),
    ("kelvin and K stay apart", "{\"Labels\":{\"K\":\"1\",\"\\u212a\":\"2\"}}"),
    ("keys sorted by bytes", "{\"Labels\":{\"b\":\"1\",\"B\":\"2\",\"\u00e9\":\"3\",\"a\":\"4\",\"\":\"5\"}}"),
    ("map keys are exact", "{\"Map\":{\"K\":{},\"k\":{}}}"),
]:
    case("mapkey: " + name, "kitchen", doc)

# --- []byte -------------------------------------------------------------------------------
for name, s in [
    ("padded", "\"aGk=\""), ("unpadded", "\"aGk\""), ("nonzero trailing bits", "\"aGl=\""),
    ("space inside", "\"aG k=\""), ("newline after padding", "\"aGk=\\n\""),
    ("newline inside", "\"a\\nGk=\""), ("carriage return inside", "\"a\\r\\nGk=\""),
    ("too much padding", "\"aGk==\""), ("double padding", "\"aG==\""),
    ("newline between padding", "\"aG=\\n=\""), ("single padding short", "\"aG=\""),
    ("only padding", "\"====\""), ("empty", "\"\""), ("only newlines", "\"\\r\\n\""),
    ("padding in middle", "\"aGk=aGk=\""), ("long", "\"aGVsbG8gd29ybGQ=\""),
    ("url alphabet", "\"-_8=\""), ("tab inside", "\"aG\\tk=\""),
    ("eight chars fast path", "\"aGVsbG8h\""), ("garbage after padding", "\"aGk=x\""),
    ("one char", "\"a\""), ("five chars", "\"aGVsb\""), ("array form", "[1,2,3]"),
    ("array overflow", "[256]"), ("array negative", "[-1]"), ("array empty", "[]"),
    ("array with null", "[1,null,3]"), ("padding then newline then padding then newline", "\"aG\\n=\\r=\\n\""),
    ("padding first", "\"=aGk\""), ("unicode escape letter", "\"\\u0061Gk=\""),
]:
    case("bytes: " + name, "kitchen", "{\"Bytes\":" + s + "}")
case("bytes: top-level", "bytes", "\"AAEC/w==\"")

# --- ,string ---------------------------------------------------------------------------------
quoted = [
    ("int", "{\"q\":\"12\"}"), ("int unquoted", "{\"q\":12}"), ("int leading zeros", "{\"q\":\"012\"}"),
    ("int minus zero", "{\"q\":\"-0\"}"), ("int plus", "{\"q\":\"+1\"}"), ("int space", "{\"q\":\" 1\"}"),
    ("int fraction", "{\"q\":\"1.0\"}"), ("int empty", "{\"q\":\"\"}"), ("int null string", "{\"q\":\"null\"}"),
    ("int null string keeps", "{\"q\":\"5\",\"q\":\"null\"}"),
    ("int null", "{\"q\":null}"), ("int nul", "{\"q\":\"nul\"}"), ("int nullx", "{\"q\":\"nullx\"}"),
    ("int quoted string", "{\"q\":\"\\\"12\\\"\"}"),
    ("int true", "{\"q\":\"true\"}"), ("int overflow", "{\"q\":\"9223372036854775808\"}"),
    ("int object", "{\"q\":{}}"), ("int array", "{\"q\":[\"1\"]}"), ("int bool", "{\"q\":true}"),
    ("int letters", "{\"q\":\"abc\"}"), ("int trailing", "{\"q\":\"1x\"}"),
    ("int hex", "{\"q\":\"0x10\"}"), ("int underscore", "{\"q\":\"1_0\"}"),
    ("ptr int", "{\"qp\":\"5\"}"), ("ptr null string", "{\"qp\":\"null\"}"), ("ptr null", "{\"qp\":null}"),
    ("ptr unquoted", "{\"qp\":5}"), ("ptr reset", "{\"qp\":\"5\",\"qp\":\"null\"}"),
    ("ptr nul", "{\"qp\":\"nul\"}"), ("ptr empty", "{\"qp\":\"\"}"),
    ("bool true", "{\"qb\":\"true\"}"), ("bool false", "{\"qb\":\"false\"}"),
    ("bool tru", "{\"qb\":\"tru\"}"), ("bool one", "{\"qb\":\"1\"}"), ("bool unquoted", "{\"qb\":true}"),
    ("bool True", "{\"qb\":\"True\"}"), ("bool null string", "{\"qb\":\"null\"}"),
    ("string", "{\"qs\":\"\\\"abc\\\"\"}"), ("string unquoted inner", "{\"qs\":\"abc\"}"),
    ("string single quote escape", "{\"qs\":\"\\\"a\\\\'b\\\"\"}"),
    ("string unicode escape", "{\"qs\":\"\\\"a\\\\u00e9\\\"\"}"),
    ("string lone surrogate", "{\"qs\":\"\\\"\\\\ud800\\\"\"}"),
    ("string inner quote", "{\"qs\":\"\\\"a\\\"b\\\"\"}"),
    ("string inner raw newline", "{\"qs\":\"\\\"a\\nb\\\"\"}"),
    ("string inner raw tab", "{\"qs\":\"\\\"a\\tb\\\"\"}"),
    ("string null string", "{\"qs\":\"null\"}"), ("string empty inner", "{\"qs\":\"\\\"\\\"\"}"),
    ("string unterminated inner", "{\"qs\":\"\\\"x\"}"), ("string number", "{\"qs\":\"12\"}"),
    ("string bad escape inner", "{\"qs\":\"\\\"\\\\x\\\"\"}"), ("string bare quote", "{\"qs\":\"\\\"\"}"),
    ("string inner invalid utf8 replaced", "{\"qs\":\"\\\"\\u00ff\\\"\"}"),
    ("string unquoted number", "{\"qs\":12}"),
    ("float", "{\"qf\":\"1.5\"}"), ("float dot first", "{\"qf\":\"-.5\"}"), ("float trailing dot", "{\"qf\":\"1.\"}"),
    ("float overflow", "{\"qf\":\"1e400\"}"), ("float bad underscore", "{\"qf\":\"1__0\"}"),
    ("float leading zeros", "{\"qf\":\"0001.5\"}"), ("float exponent", "{\"qf\":\"15e-1\"}"),
    ("float32", "{\"qf32\":\"3.4028235e38\"}"), ("float32 overflow", "{\"qf32\":\"1e39\"}"),
    ("float32 rounding", "{\"qf32\":\"0.1\"}"),
    ("uint16", "{\"qu\":\"65535\"}"), ("uint16 overflow", "{\"qu\":\"65536\"}"), ("uint16 negative", "{\"qu\":\"-1\"}"),
    ("string pointer", "{\"qsp\":\"\\\"x\\\"\"}"), ("string pointer null string", "{\"qsp\":\"null\"}"),
    ("string pointer null", "{\"qsp\":null}"),
    ("ignored on slice", "{\"qi\":[1,2]}"), ("ignored on slice string", "{\"qi\":\"[1]\"}"),
]
for name, doc in quoted:
    case(",string: " + name, "kitchen", doc)
for name, doc in [
    ("float hex", "{\"qf\":\"0x1p3\"}"), ("float minus Inf", "{\"qf\":\"-Inf\"}"),
    ("float minus infinity", "{\"qf\":\"-infinity\"}"), ("float hex underscore", "{\"qf\":\"0x_1p0\"}"),
    ("float32 minus inf", "{\"qf32\":\"-inf\"}"), ("float underscore", "{\"qf\":\"1_0\"}"),
]:
    case(",string: " + name, "kitchen", doc, "refuse")

# --- custom type --------------------------------------------------------------------------------
for name, doc in [
    ("string", "{\"Cmd\":\"ls\"}"), ("array", "{\"Cmd\":[\"ls\",\"-l\"]}"), ("empty array", "{\"Cmd\":[]}"),
    ("number", "{\"Cmd\":1}"), ("mixed array", "{\"Cmd\":[\"a\",1]}"), ("object", "{\"Cmd\":{}}"),
    ("list", "{\"CmdL\":[\"a\",[\"b\",\"c\"],null]}"), ("map", "{\"CmdM\":{\"x\":\"y\",\"z\":[\"1\"]}}"),
    ("array with null", "{\"Cmd\":[\"a\",null]}"), ("replaced", "{\"Cmd\":[\"a\",\"b\"],\"Cmd\":[\"c\"]}"),
]:
    case("custom: " + name, "kitchen", doc)
case("custom: top-level string", "strslice", "\"a\"")
case("custom: top-level array", "strslice", "[\"a\",\"b\"]")

# --- interface{} ---------------------------------------------------------------------------------
for name, lit in [
    ("one point zero", "1.0"), ("exponent", "1e2"), ("big integer", "12345678901234567890"),
    ("tenth", "0.1"), ("1e21", "1e21"), ("1e20", "1e20"), ("1e-6", "0.000001"), ("1e-7", "0.0000001"),
    ("negative zero", "-0"), ("max float", "1.7976931348623157e308"), ("min denormal", "5e-324"),
    ("2^53+1", "9007199254740993"), ("1e23", "1e23"), ("exp 100", "1.5e100"), ("exp -100", "1.5e-100"),
    ("negative", "-123.456"), ("many digits", "3.14159265358979323846264338327950288"),
]:
    case("any: number " + name, "any", lit)
for name, doc in [
    ("dup keys last wins sorted", "{\"b\":1,\"a\":2,\"b\":3}"),
    ("mixed array", "[1,\"x\",null,true,{\"z\":{}}]"),
    ("html chars", "\"<&>\\u2028\\u2029\""), ("kelvin and K keys", "{\"\\u212a\":1,\"K\":2}"),
    ("nested dup", "{\"a\":{\"x\":1,\"x\":{\"y\":2}}}"), ("control chars", "\"\\u0001\\b\\f\\u001f\\u007f\""),
    ("keys sorted by bytes", "{\"\u00e9\":1,\"z\":2,\"Z\":3,\"\":4}"),
]:
    case("any: " + name, "any", doc)
case("any: in struct", "kitchen", "{\"Any\":{\"b\":[1.50,2e0],\"a\":\"s\"}}")

# --- top-level consumption -------------------------------------------------------------------------
case("consume: object then garbage", "kitchen", "{\"Name\":\"a\"} trailing")
case("consume: two objects", "kitchen", "{\"Name\":\"a\"}{\"Name\":\"b\"}")
case("consume: leading whitespace", "kitchen", "\n\n  {\"Name\":\"a\"}\n")
case("consume: number then garbage", "int", "42abc")
case("consume: string then string", "string", "\"a\"\"b\"")
case("consume: syntax error after value", "kitchen", "{\"Name\":\"a\"} {\"x\" ")

# --- floats: shortest formatting and correct rounding ------------------------------------------------
rng = random.Random(20240611)


def rand_literal():
    digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 25))).lstrip("0") or "0"
    frac = "".join(rng.choice("0123456789") for _ in range(rng.randint(0, 20)))
    exp = rng.randint(-340, 320)
    s = digits
    if frac:
        s += "." + frac
    if rng.random() < 0.8:
        s += "e" + str(exp)
    if rng.random() < 0.3:
        s = "-" + s
    return s


for i in range(150):
    case("float64: random %d" % i, "float64", rand_literal())
for i in range(60):
    case("any: random number %d" % i, "any", rand_literal())
for i in range(100):
    lit = rand_literal()
    case("float32: random %d" % i, "float32", lit)


def f32_halfway_literals():
    """Decimal literals at and near the midpoint of adjacent float32 values:
    where rounding through float64 first would go wrong."""
    import struct
    from fractions import Fraction
    out = []
    for _ in range(40):
        bits = rng.randint(0x00800000, 0x7F7FFFFE)
        lo = Fraction(struct.unpack("<f", struct.pack("<I", bits))[0])
        hi = Fraction(struct.unpack("<f", struct.pack("<I", bits + 1))[0])
        mid = (lo + hi) / 2
        for delta in (Fraction(0), Fraction(1, 10**60) * mid, -Fraction(1, 10**60) * mid):
            v = mid + delta
            # exact decimal expansion, truncated to 70 significant digits
            n, d = v.numerator, v.denominator
            ip = n // d
            rem = n % d
            digs = []
            for _ in range(70):
                rem *= 10
                digs.append(str(rem // d))
                rem %= d
            out.append(str(ip) + "." + "".join(digs))
    return out


for i, lit in enumerate(f32_halfway_literals()):
    case("float32: near halfway %d" % i, "float32", lit)

for name, lit in [
    ("max", "3.4028235e38"), ("above max rounds to max", "3.4028235677973366e38"),
    ("halfway above max", "3.4028235677973366163e38"), ("overflow", "3.4028236e38"),
    ("min denormal", "1.4e-45"), ("below min denormal", "7e-46"), ("2^24+1", "16777217"),
    ("tenth", "0.1"), ("third", "0.3333333333333333"), ("1e-7", "1e-7"), ("1e21", "1e21"),
    ("1e20", "1e20"), ("negative zero", "-0"),
]:
    case("float32: " + name, "float32", lit)
for name, lit in [
    ("max", "1.7976931348623157e308"), ("rounds to max", "1.7976931348623158e308"),
    ("overflow", "1.7976931348623159e308"), ("min normal", "2.2250738585072014e-308"),
    ("min denormal", "5e-324"), ("below min denormal", "2e-324"), ("halfway min denormal", "2.4703282292062328e-324"),
    ("0.1", "0.1"), ("0.3", "0.3"), ("1e23", "1e23"), ("8.41e21", "8.41e21"),
    ("5e-7", "5e-7"), ("long zeros", "0.000000000000000000000000000000000000000000001"),
    ("many digits", "1" + "0" * 400), ("many fraction digits", "0." + "9" * 400),
]:
    case("float64: " + name, "float64", lit)
