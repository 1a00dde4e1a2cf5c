import sys
from pathlib import Path

# The pure core is imported straight from the source tree; frappe is never needed here.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# No timing assertions in tests: Hypothesis's default 200 ms deadline per example failed a cold first run
# (imports and the example database warming up) on a loaded machine.
from hypothesis import settings

settings.register_profile("dms", deadline=None)
settings.load_profile("dms")
