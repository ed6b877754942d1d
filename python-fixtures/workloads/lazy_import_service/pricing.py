"""pricing: the heavy dependency the checkout endpoint imports on first use.

Module-level imports (decimal, json, csv, statistics, email.mime.multipart,
xml.etree.ElementTree, ...) plus a catalog parsed from XML and a tax table
built at import time: together a pause of a few tens of milliseconds, paid
by whichever request arrives first unless the server is started with --warm.
"""
import csv
import decimal
import email.mime.multipart
import email.mime.text
import io
import json
import statistics
import xml.etree.ElementTree as ElementTree

CENT = decimal.Decimal("0.01")

_CATALOG_XML = "<catalog>%s</catalog>" % "".join(
    '<item sku="SKU-%04d" price="%d.%02d" region="%s"/>' % (i, 3 + i % 97, (i * 13) % 100, ("eu", "us", "uk")[i % 3])
    for i in range(2000))

_TAX_CSV = "region,rate\neu,0.21\nus,0.07\nuk,0.20\n"


def _load_catalog():
    root = ElementTree.fromstring(_CATALOG_XML)
    return {el.get("sku"): (decimal.Decimal(el.get("price")), el.get("region")) for el in root.iter("item")}


def _load_taxes():
    return {row["region"]: decimal.Decimal(row["rate"]) for row in csv.DictReader(io.StringIO(_TAX_CSV))}


CATALOG = _load_catalog()
TAXES = _load_taxes()
MEDIAN_PRICE = statistics.median(price for price, _region in CATALOG.values())


def quote(skus):
    """Price a cart: a small JSON-able dict."""
    lines = []
    for sku in skus:
        price, region = CATALOG[sku]
        tax = (price * TAXES[region]).quantize(CENT, rounding=decimal.ROUND_HALF_EVEN)
        lines.append({"sku": sku, "price": str(price), "tax": str(tax)})
    total = sum((decimal.Decimal(l["price"]) + decimal.Decimal(l["tax"]) for l in lines), decimal.Decimal(0))
    return {"lines": lines, "total": str(total), "medianPrice": str(MEDIAN_PRICE)}


def receipt(quote_):
    """The confirmation mail a real checkout would send (not sent here)."""
    msg = email.mime.multipart.MIMEMultipart()
    msg["Subject"] = "Your order"
    msg.attach(email.mime.text.MIMEText(json.dumps(quote_, sort_keys=True), "plain", "utf-8"))
    return msg
