"""Writes the documents of the TOML differential run (README.md beside it):
gen.py DIR [SEED]. DIR is emptied first: give a scratch directory."""
import os, random, sys, shutil
D = sys.argv[1]; shutil.rmtree(D, ignore_errors=True); os.makedirs(D)
cases = []
def add(b):
    if isinstance(b, str): b = b.encode('utf-8', 'surrogatepass')
    cases.append(b)
# hand cases
hand = [
 'a=1\na=2', 'a=1\n"a"=2', "a=1\n'a'=2", '[a]\n[a]', '[a.b]\n[a]', '[a]\n[a.b]\n[a]', 'a.b=1\n[a]', '[a]\nb.c=1\n[a.b]',
 '[a]\nb.c=1\n[a.b.d]', '[a.b.c]\n[a]\nb.d=1', '[a.b.c]\nz=9\n[a]\nb.c.t=1', 'a={b=1}\n[a.c]', 'a={b=1}\na.c=1', 'a={}\n[a]',
 'a=[]\n[[a]]', '[[a]]\n[a]', '[a]\n[[a]]', '[[a]]\n[a.b]\nx=1\n[[a]]\n[a.b]', '[[a.b]]\n[a]\nc=1', '[[a]]\nb.c=1\n[a.b]',
 'a="\\ud800"', 'a="\\uDFFF"', 'a="\\U00110000"', 'a="\\U0010FFFF"', 'a="\\u0000"', 'a="\\x41"', 'a="\\e"', "a='\\n'",
 'a="""\nx"""', "a='''x'''", 'a="x\\\n y"', 'a=1\r\nb=2', 'a=1\rb=2', '\ufeffa=1', 'a=1\n\ufeffb=2', 'a="\x00"', "a='\x7f'",
 'a=1 # c\x01', 'a=1 # c\x7f', 'a=1 # c\t', 'a=1 # c\r', 'a=1_000', 'a=1__0', 'a=_1', 'a=1_', 'a=01', 'a=00', 'a=+0', 'a=-0',
 'a=+01', 'a=0x1f', 'a=0o7', 'a=0b1', 'a=-0x1', 'a=inf', 'a=nan', 'a=+inf', 'a=1.0', 'a=1e3', 'a=1979-05-27', 'a=07:32:00',
 'a=9223372036854775807', 'a=9223372036854775808', 'a=-9223372036854775808', 'a=-9223372036854775809',
 '"a b"=1', '"é"=1', 'é=1', '""=1', "''=1", 'a . b = 1', 'a.b=1\na.c=2', 'a."b.c"=1', '"a.b"=1\na.b=2', 'a=true\nb=false', 'a=True',
 'a=[1,"x"]', 'a=[1,[2]]', 'a=[[1],["x"]]', 'a=[\n1,\n2,\n]', 'a=[,]', 'a=[1,,2]', 'a={a=1,}', 'a={a=1\n}', 'a={ a=1 , b={c=2} }',
 'a={a.b=1, a.c=2}', 'a={a.b=1, a=2}', 'a=1 b=2', '[a] x=1', '[ a ]', '[ [a]]', '[[a] ]', '[[ a ]]', '[a.]', '[.a]', '[a..b]', '[]',
 'a = "\t"', 'a="\u00e9\u0301"', '"\u00e9"=1\n"e\u0301"=2', 'a=\'x\'\'', 'a = "x" # comment', 'a=1\n#\x00', '\ta = 1', 'a\t=\t1',
 '[a]\n  [a.b]\n x=1', 'a."b"."c"=1\n[a.b]', '[a."b"]\n[a.b]', '[\'a\']\n[a]', 'a=-', 'a=+', 'a=1-2', 'a=1__', 'a=1 2',
 '[rules]\nid="x"\n[[rules]]', 'rules=[{id="a"}]\n[[rules]]', '[[rules]]\nid="a"\n[rules.methods]', 
 'a = "\\u00E9"', 'a = "\\U0001F600"', 'a="\\uD83D\\uDE00"', 'a = "ab\\"', 'a="\\ "', 'a = "\x7f"', 'a="\x1b"',
 'a = \'\'', 'a = ""', 'a = "" "', '[a]\n[b]\n[a.c]', 'a.b.c=1\na.b.d=2\n[a.x]', 'a.b=1\n[a.c]\n', '[x]\na.b=1\n[x.a.c]',
 '[[a]]\n[[a.b]]\n[[a]]\n[[a.b]]', '[a]\nb=1\n[[a.c]]', 'a=[{b=1}]\n[a.c]', '[a.b]\nc=1\n[a]\nb.d=2', 
]
for h in hand: add(h)
# random generation from fragments
keys = ['a','b','"a"',"'a'",'a.b','"a.b"','a . b','c','rules','"rules"','x.y.z']
vals = ['1','"s"',"'s'",'true','[1]','["a",]','{}','{k=1}','{k.l=1}','[{k=1}]','0','-0','+1','1_0','"\\u0041"']
hdrs = ['[a]','[[a]]','[a.b]','[[a.b]]','[b]','[x]','[x.y]','[[rules]]','[rules]','["a"]','[ a . b ]']
random.seed(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
for _ in range(4000):
    lines = []
    for _ in range(random.randint(1, 6)):
        r = random.random()
        if r < 0.35: lines.append(random.choice(hdrs))
        else: lines.append(random.choice(keys) + ' = ' + random.choice(vals))
    add('\n'.join(lines) + random.choice(['', '\n', '\r\n']))
# byte-level mutations of a policy
base = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), '../../../policies/ci.toml'),'rb').read()[:1500]
for _ in range(1500):
    b = bytearray(base)
    for _ in range(random.randint(1, 3)):
        i = random.randrange(len(b))
        op = random.random()
        c = random.choice(b'"\'\\[]{}=.,#\r\n\t _-+0x\x00\x7f\xc3\xa9ue')
        if op < 0.4: b[i] = c
        elif op < 0.7: b.insert(i, c)
        else: del b[i]
    add(bytes(b))
for i, c in enumerate(cases):
    open(f'{D}/c{i:05d}.toml', 'wb').write(c)
print(len(cases))
