import gc
import sys

from .cli import main

code = main()
# The process ends here: its objects (SymPy's among them) need no collecting on the way
# out, which would take about 0.1 s of every command.
gc.freeze()
sys.exit(code)
