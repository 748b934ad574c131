"""Schemathesis hooks for Engel: give most generated requests the live account's credentials.

Generated keys and hashes are never valid, so without this every request would stop at 401 and
nothing past authentication would be exercised. One request in five keeps its generated
credentials, so the 401 answers are checked too.
"""

import os
import random

import schemathesis

KEY = os.environ["ENGEL_API_KEY"]
HASH = os.environ["ENGEL_API_HASH"]


@schemathesis.hook
def before_call(context, case, **kwargs):
    request = case.body.get("request") if isinstance(case.body, dict) else None
    if isinstance(request, dict) and random.random() < 0.8:
        request["authentication"] = {"key": KEY, "hash": HASH}
