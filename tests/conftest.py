import sys
from pathlib import Path

# The pure core is imported straight from the source tree; frappe is never needed here.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
