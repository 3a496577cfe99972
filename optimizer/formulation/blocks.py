"""A solver-neutral linear model made of named blocks of variables and rows.

Each block is one role of the formulation (``pi``, ``alpha``, ``arc_dual`` …) holding its
index keys, bounds and coefficients as numpy arrays. Two backends read the same blocks:

- ``to_matrix()`` gives the column-wise sparse arrays that ``solvers.highs`` passes to
  HiGHS in one call (the hot path: ~0.25 s per million nonzeros);
- ``solvers.pyomo_backend`` turns each block into an indexed Pyomo ``Var`` / ``Constraint``
  with the same names, for users who read, extend or export the model.

Since both read the same arrays, both paths state the same model by construction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

Keys = Callable[[], Sequence[tuple]]


@dataclass
class VarBlock:
    name: str
    doc: str
    size: int
    start: int
    lb: np.ndarray
    ub: np.ndarray
    obj: np.ndarray
    integer: bool
    keys: Keys

    @property
    def cols(self) -> np.ndarray:
        return np.arange(self.start, self.start + self.size)


@dataclass
class RowBlock:
    name: str
    doc: str
    size: int
    start: int
    rows: np.ndarray  # local row index of each term
    cols: np.ndarray  # global column index of each term
    vals: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    keys: Keys


@dataclass
class MatrixForm:
    """Arrays in the layout HiGHS takes (column-wise CSC)."""

    sense: str  # "min" | "max"
    offset: float
    cost: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    matrix: sp.csc_matrix
    integrality: np.ndarray  # 0 continuous, 1 integer

    @property
    def nnz(self) -> int:
        return int(self.matrix.nnz)


@dataclass
class LinearModel:
    """Blocks of variables and rows with one linear objective."""

    name: str
    sense: str = "min"
    offset: float = 0.0
    var_blocks: dict[str, VarBlock] = field(default_factory=dict)
    row_blocks: dict[str, RowBlock] = field(default_factory=dict)
    n_cols: int = 0
    n_rows: int = 0

    def add_vars(self, name: str, size: int, *, lb=0.0, ub=np.inf, obj=0.0, integer=False,
                 keys: Keys | None = None, doc: str = "") -> VarBlock:
        """Declare ``size`` variables named ``name[key]``; returns the block (its
        ``start`` is the global index of the first column)."""
        if name in self.var_blocks:
            raise ValueError(f"variable block {name!r} declared twice")
        blk = VarBlock(
            name=name, doc=doc, size=size, start=self.n_cols,
            lb=_vec(lb, size), ub=_vec(ub, size), obj=_vec(obj, size), integer=integer,
            keys=keys or _index_keys(size),
        )
        self.var_blocks[name] = blk
        self.n_cols += size
        return blk

    def add_rows(self, name: str, size: int, rows, cols, vals, *, lo=-np.inf, hi=np.inf,
                 keys: Keys | None = None, doc: str = "") -> RowBlock:
        """Declare ``size`` rows lo ≤ Σ vals·x[cols] ≤ hi (terms given as triplets with
        local row indices)."""
        if name in self.row_blocks:
            raise ValueError(f"row block {name!r} declared twice")
        rows = np.asarray(rows, dtype=np.int64)
        cols = np.asarray(cols, dtype=np.int64)
        vals = np.asarray(vals, dtype=float)
        if not (len(rows) == len(cols) == len(vals)):
            raise ValueError(f"row block {name!r}: term arrays differ in length")
        if len(rows) and (rows.min() < 0 or rows.max() >= size):
            raise ValueError(f"row block {name!r}: local row index out of range")
        if len(cols) and (cols.min() < 0 or cols.max() >= self.n_cols):
            raise ValueError(f"row block {name!r}: column index out of range")
        blk = RowBlock(
            name=name, doc=doc, size=size, start=self.n_rows, rows=rows, cols=cols, vals=vals,
            lo=_vec(lo, size), hi=_vec(hi, size),
            keys=keys or _index_keys(size),
        )
        self.row_blocks[name] = blk
        self.n_rows += size
        return blk

    def to_matrix(self) -> MatrixForm:
        vb = list(self.var_blocks.values())
        rb = list(self.row_blocks.values())
        cat = (lambda xs, dt=float: np.concatenate(xs).astype(dt) if xs else np.zeros(0, dt))
        rows = cat([b.rows + b.start for b in rb], np.int64)
        cols = cat([b.cols for b in rb], np.int64)
        vals = cat([b.vals for b in rb])
        mat = sp.csc_matrix((vals, (rows, cols)), shape=(self.n_rows, self.n_cols))
        mat.sum_duplicates()
        mat.eliminate_zeros()
        return MatrixForm(
            sense=self.sense, offset=self.offset,
            cost=cat([b.obj for b in vb]),
            col_lower=cat([b.lb for b in vb]), col_upper=cat([b.ub for b in vb]),
            row_lower=cat([b.lo for b in rb]), row_upper=cat([b.hi for b in rb]),
            matrix=mat,
            integrality=cat([np.full(b.size, 1 if b.integer else 0) for b in vb], np.int32),
        )

    def column_names(self) -> list[str]:
        return [f"{b.name}[{_fmt(k)}]" for b in self.var_blocks.values() for k in b.keys()]

    def row_names(self) -> list[str]:
        return [f"{b.name}[{_fmt(k)}]" for b in self.row_blocks.values() for k in b.keys()]

    def block_of_column(self, col: int) -> VarBlock:
        for b in self.var_blocks.values():
            if b.start <= col < b.start + b.size:
                return b
        raise IndexError(col)

    def summary(self) -> dict[str, int]:
        return {"columns": self.n_cols, "rows": self.n_rows,
                "integer_columns": sum(b.size for b in self.var_blocks.values() if b.integer),
                "nonzeros": sum(len(b.vals) for b in self.row_blocks.values())}


def _index_keys(size: int) -> Keys:
    """The default keys of a block: its local indices (0,), (1,), …"""
    return lambda: [(i,) for i in range(size)]


def _vec(v, size: int) -> np.ndarray:
    arr = np.asarray(v, dtype=float)
    if arr.ndim == 0:
        return np.full(size, float(arr))
    if arr.shape != (size,):
        raise ValueError(f"expected {size} values, got shape {arr.shape}")
    return arr.copy()


def _fmt(key: tuple) -> str:
    return ",".join(str(k) for k in key)
