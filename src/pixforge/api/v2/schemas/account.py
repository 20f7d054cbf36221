"""Wire models of the account endpoints."""

from __future__ import annotations

from pydantic import BaseModel

from pixforge.store.accounts import AccountRow


class BalanceResponse(BaseModel):
    account_id: int
    credit_monthly: int
    credit_package: int

    @classmethod
    def from_row(cls, row: AccountRow) -> BalanceResponse:
        return cls(
            account_id=row.id, credit_monthly=row.credit_monthly, credit_package=row.credit_package
        )
