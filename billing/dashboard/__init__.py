"""The dashboard's billing page (``/app/w/<id>/billing/``): plan, balance, usage, ledger, buying."""
