"""Mesa agents as views onto rows of their group's column table.

The column arrays owned by the model are the single source of truth. A :class:`RowAgent`
holds only its row number: reading ``household.has_pv`` reads
``model.tables["households"].has_pv[row]``, and assigning writes it back. Subclasses name
their group (``abm.groups``) and its schema; properties for every column are generated from
it. Their ``step()`` runs the group's rule for their own row (:meth:`RowAgent.run_phase`):
the same ``@njit`` function the kernels run, through its plain-Python ``py_func``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import mesa

from abm.columns import Column
from abm.groups.base import Phase

if TYPE_CHECKING:
    from abm.model import JiangmenModel


class _ColumnProperty:
    """Descriptor reading and writing one column at the agent's row."""

    def __init__(self, column: Column) -> None:
        self.name = column.name
        self.__doc__ = f"{column.label} [{column.unit}]"

    def __get__(self, agent: RowAgent | None, owner: type) -> Any:
        if agent is None:
            return self
        return agent.table.arrays[self.name][agent.row].item()

    def __set__(self, agent: RowAgent, value: Any) -> None:
        agent.table.arrays[self.name][agent.row] = value


class RowAgent(mesa.Agent):
    """Base of the four agent groups: a Mesa agent that is a view onto one row.

    Args:
        model: The owning :class:`abm.model.JiangmenModel`.
        row: Row of this agent in its group's table.

    """

    group: ClassVar[str] = ""
    schema: ClassVar[tuple[Column, ...]] = ()
    model: JiangmenModel

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        reserved = {"model", "unique_id", "row", "table", "step", "pos", "remove"}
        for column in cls.schema:
            if column.name in reserved:
                raise TypeError(f"{cls.__name__}: column name {column.name!r} is reserved")
            setattr(cls, column.name, _ColumnProperty(column))

    def __init__(self, model: JiangmenModel, row: int) -> None:
        super().__init__(model)
        self.row = int(row)

    @property
    def table(self):
        """The group's column table."""
        return self.model.tables[self.group]

    def run_phase(self, phase: Phase) -> None:
        """Run a phase's per-agent rule for this row, in plain Python (the rule's ``py_func``).

        The arguments are the ones the model prepared for the month's phase, the same the
        kernel gets; the per-district sums of the plain path are chunk 0 of the month's sums.
        """
        inputs = self.model.phase_inputs[(self.group, phase.name)]
        phase.rule.py_func(self.row, self.row + 1, *inputs,
                           self.model.reference_sums[self.group])

    def as_dict(self) -> dict[str, Any]:
        """All column values of this agent."""
        return {c.name: getattr(self, c.name) for c in self.schema}
