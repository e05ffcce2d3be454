import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Builds a tiny pure-Python wheel offline (python's zipfile; no setuptools, no index): package
 * `fake_cg` with a console script `cg` that prints "cg <version>".
 */
export function buildFakeCgWheel(version = '0.1.0'): { dir: string; wheel: string } {
  const dir = mkdtempSync(join(tmpdir(), 'comfyvisor-wheel-'));
  const name = `fake_cg-${version}-py3-none-any.whl`;
  const script = `
import sys, zipfile, hashlib, base64
out, version = sys.argv[1], sys.argv[2]
files = {
  "fake_cg/__init__.py": "VERSION = %r\\n" % version,
  "fake_cg/cli.py": "import sys\\nfrom fake_cg import VERSION\\ndef main():\\n    print('cg ' + VERSION + ' ' + ' '.join(sys.argv[1:]))\\n",
  f"fake_cg-{version}.dist-info/METADATA": f"Metadata-Version: 2.1\\nName: fake-cg\\nVersion: {version}\\n",
  f"fake_cg-{version}.dist-info/WHEEL": "Wheel-Version: 1.0\\nGenerator: comfyvisor-test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n",
  f"fake_cg-{version}.dist-info/entry_points.txt": "[console_scripts]\\ncg = fake_cg.cli:main\\n",
}
record = []
with zipfile.ZipFile(out, "w") as z:
  for path, text in files.items():
    data = text.encode()
    z.writestr(path, data)
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    record.append(f"{path},sha256={digest},{len(data)}")
  record.append(f"fake_cg-{version}.dist-info/RECORD,,")
  z.writestr(f"fake_cg-{version}.dist-info/RECORD", "\\n".join(record) + "\\n")
`;
  const wheel = join(dir, name);
  execFileSync('python3', ['-c', script, wheel, version]);
  return { dir, wheel };
}
