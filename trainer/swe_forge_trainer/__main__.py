import os
import sys

# Spinning OpenMP workers collapse throughput when the machine's cores are shared (20x slower measured on a
# busy 2-core host); libgomp reads this once, so it must be set before torch is imported.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from .cli import main  # noqa: E402

sys.exit(main())
