"""Wire models of the account endpoints."""

from __future__ import annotations

from pydantic import BaseModel

from pixforge.services.accounts import Balance


class BalanceResponse(BaseModel):
    account_id: int
    credit_monthly: int
    credit_package: int

    @classmethod
    def from_balance(cls, balance: Balance) -> BalanceResponse:
        return cls(
            account_id=balance.account_id,
            credit_monthly=balance.credit_monthly,
            credit_package=balance.credit_package,
        )
