import os, sys, json, tomllib
D = sys.argv[1]
def tag(v):
    if isinstance(v, bool): return ['b', v]
    if isinstance(v, int): return ['i', v]
    if isinstance(v, str): return ['s', v]
    if isinstance(v, list): return ['a', [tag(x) for x in v]]
    if isinstance(v, dict): return ['t', sorted([[k, tag(x)] for k, x in v.items()])]
    return ['other', repr(v)]
def norm(v):
    if v[0] == 't': return ['t', sorted([[k, norm(x)] for k, x in v[1]])]
    if v[0] == 'a': return ['a', [norm(x) for x in v[1]]]
    return v
stats = {}
for f in sorted(os.listdir(D)):
    if not f.endswith('.toml'): continue
    raw = open(f'{D}/{f}', 'rb').read()
    try: py = tag(tomllib.loads(raw.decode('utf-8'))); pe = None
    except Exception as e: py = None; pe = str(e)
    out = open(f'{D}/{f}.out', encoding='utf-8').read()
    sw = None if out.startswith('ERROR') else norm(json.loads(out))
    if sw is None and py is None: k = 'both-reject'
    elif sw is None: k = 'sw-rejects-only'
    elif py is None: k = 'SW-ACCEPTS-PY-REJECTS'
    elif sw == py: k = 'same'
    else: k = 'DIFFERENT'
    stats[k] = stats.get(k, 0) + 1
    if k in ("SW-ACCEPTS-PY-REJECTS", "DIFFERENT") or (len(sys.argv)>2 and k=="sw-rejects-only"):
        print(k, f, repr(raw[:200]), pe, out[:200] if k=='DIFFERENT' else '')
print(stats)
