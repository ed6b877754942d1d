"""Prices a cart: one price_line() call per item, a Decimal total, a JSON receipt."""
import decimal
import json

CATALOG = {"SKU-%04d" % i: decimal.Decimal(i % 97 + 1) / 4 for i in range(1000)}


def price_line(sku, quantity):
    return CATALOG[sku] * quantity


def quote(items):
    lines = [("SKU-%04d" % (i * 37 % 1000), i % 3 + 1) for i in range(items)]
    total = sum((price_line(sku, q) for sku, q in lines), decimal.Decimal(0))
    return json.dumps({"items": items, "total": str(total.quantize(decimal.Decimal("0.01")))})
