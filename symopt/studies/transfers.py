"""Who pays whom: per-firm costs before transfers, and payments along the built links
that move every firm from that cost to its allocated cost.

Before transfers each firm pays for its own facilities, the alternatives and disposals
of its facilities, its emissions at the carbon price, and the links *into* its
facilities (capex, fixed opex and transport: the receiver builds and pays for the
link). The firms' costs then add up to the park's total cost. Firm i must pay
t_i = allocated_i - before_i in total (negative: it receives); these t_i add up to 0.

The payments run along the links between firms, as a flow on a spanning tree of the
graph of firms joined by built or used links (the tree keeps the links of largest net
annual benefit): on the tree edge between a firm group and the rest, the group pays
the sum of its t_i. A group of firms not joined to the others by any link whose t_i do
not add up to 0 settles the difference with the park pool (`(park pool)`), i.e. with
the other groups, outside any link. A pair of firms joined by several links splits its
payment over them in proportion to their net annual benefit (equally if none has one).
"""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np
import pandas as pd

from symopt.results.tables import Result

#: The counterparty of payments that no link carries.
POOL = "(park pool)"
TRANSFER_COLUMNS = [
    "payer",
    "payee",
    "amount",
    "currency",
    "source",
    "sink",
    "resource",
    "mode",
    "payer_name",
    "payee_name",
]


def cost_before_transfers(
    result: Result, owner: dict[str, str], firms: list[str], carbon_price: float
) -> np.ndarray:
    """Each firm's annual cost in the solution, before any payment between firms."""
    cost = dict.fromkeys(firms, 0.0)
    facilities = result.facilities
    for name, value in zip(facilities["facility"], facilities["annual_cost"], strict=True):
        cost[owner[str(name)]] += float(value)
    for table in (result.alternatives, result.disposals):
        for name, value in zip(table["facility"], table["cost"], strict=True):
            cost[owner[str(name)]] += float(value)
    links = result.links
    for name, build, transport in zip(
        links["sink"], links["annual_cost"], links["transport_cost"], strict=True
    ):
        cost[owner[str(name)]] += float(build) + float(transport)
    emissions = result.indicators[result.indicators["indicator"] == "co2e"]
    for firm, actual in zip(emissions["firm"], emissions["actual"], strict=True):
        if firm in cost:
            cost[firm] += carbon_price * float(actual)
    return np.array([cost[firm] for firm in firms])


def _spanning_forest(
    firms: list[str], weight: dict[tuple[str, str], float]
) -> dict[str, list[str]]:
    """Kruskal on the firm graph, heaviest pairs first: the tree's neighbours of each firm."""
    parent = {firm: firm for firm in firms}

    def root(firm: str) -> str:
        while parent[firm] != firm:
            parent[firm] = parent[parent[firm]]
            firm = parent[firm]
        return firm

    tree: dict[str, list[str]] = defaultdict(list)
    for (a, b), _ in sorted(weight.items(), key=lambda item: (-item[1], item[0])):
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[ra] = rb
            tree[a].append(b)
            tree[b].append(a)
    return tree


def transfer_payments(
    result: Result,
    owner: dict[str, str],
    firms: list[str],
    due: np.ndarray,
    names: dict[str, str],
    currency: str,
) -> pd.DataFrame:
    """Payments per link (rows `TRANSFER_COLUMNS`) so that firm i pays `due[i]` net."""
    links = result.links
    pair_links: dict[tuple[str, str], list[int]] = defaultdict(list)
    weight: dict[tuple[str, str], float] = defaultdict(float)
    for row, (source, sink) in enumerate(zip(links["source"], links["sink"], strict=True)):
        a, b = owner[str(source)], owner[str(sink)]
        if a == b:
            continue
        pair = (min(a, b), max(a, b))
        pair_links[pair].append(row)
        benefit = float(links["net_annual_benefit"].iloc[row])
        weight[pair] += abs(benefit) if math.isfinite(benefit) else 0.0
    tree = _spanning_forest(firms, dict(weight))
    owed = dict(zip(firms, (float(value) for value in due), strict=True))
    payments: list[tuple[str, str, float]] = []  # (payer, payee, amount) per tree edge
    seen: set[str] = set()
    for start in firms:
        if start in seen:
            continue
        order, parent = [start], {start: ""}
        seen.add(start)
        for firm in order:  # breadth first
            for other in tree[firm]:
                if other not in seen:
                    seen.add(other)
                    parent[other] = firm
                    order.append(other)
        subtotal = {firm: owed[firm] for firm in order}
        for firm in reversed(order[1:]):
            subtotal[parent[firm]] += subtotal[firm]
            payments.append(_payment(firm, parent[firm], subtotal[firm]))
        payments.append(_payment(start, POOL, subtotal[start]))
    rows = []
    tolerance = 1e-6 * max(1.0, float(np.abs(due).sum()))
    for payer, payee, amount in payments:
        if amount <= tolerance:
            continue
        pair = (min(payer, payee), max(payer, payee))
        members = pair_links.get(pair, [])
        if not members:
            rows.append((payer, payee, amount, "", "", "", ""))
            continue
        shares = np.array([weight_of(links, row) for row in members])
        shares = (
            shares / shares.sum() if shares.sum() > 0 else np.full(len(members), 1 / len(members))
        )
        for row, share in zip(members, shares, strict=True):
            link = links.iloc[row]
            rows.append(
                (
                    payer,
                    payee,
                    amount * float(share),
                    link["source"],
                    link["sink"],
                    link["resource"],
                    link["mode"],
                )
            )
    table = pd.DataFrame(
        rows, columns=["payer", "payee", "amount", "source", "sink", "resource", "mode"]
    )
    table["currency"] = currency
    table["payer_name"] = table["payer"].map(lambda firm: names.get(firm, firm))
    table["payee_name"] = table["payee"].map(lambda firm: names.get(firm, firm))
    return table[TRANSFER_COLUMNS]


def weight_of(links: pd.DataFrame, row: int) -> float:
    benefit = float(links["net_annual_benefit"].iloc[row])
    return abs(benefit) if math.isfinite(benefit) else 0.0


def _payment(firm: str, towards: str, owed: float) -> tuple[str, str, float]:
    """The side of `firm` owes `owed` net: it pays that much to `towards` (or receives)."""
    return (firm, towards, owed) if owed >= 0 else (towards, firm, -owed)
