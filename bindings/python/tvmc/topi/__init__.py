"""Operator library (TVM's ``topi`` names) over the C ``tvm_op_*`` calls.

Each submodule wraps one area of ``include/tvmc.h``'s operator library;
every function takes and returns ``te`` tensors of the current graph.
"""
from .elementwise import *  # noqa: F401,F403
from .index import *        # noqa: F401,F403
from .nn import *           # noqa: F401,F403
from .transform import *    # noqa: F401,F403
