"""Regenerates every golden fixture from real PyTorch.

Run from the repository root after `apt-get install python3-torch`:

    /usr/bin/python3 scripts/genFixtures.py

Each script in scripts/fixtures/ writes one file under test/fixtures/; tests read those files
and never need torch.
"""
import pathlib
import subprocess
import sys

root = pathlib.Path(__file__).resolve().parent.parent
scripts = sorted((root / "scripts" / "fixtures").glob("*.py"))
for script in scripts:
    print(f"== {script.name}", flush=True)
    subprocess.run([sys.executable, str(script)], cwd=root, check=True)
print(f"regenerated {len(scripts)} fixture sets")
