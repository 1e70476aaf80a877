"""Test helpers shipped with the package, for backends written inside or outside this repository."""

from ._backend_contract import BackendContract, contract_plan

__all__ = ["BackendContract", "contract_plan"]
