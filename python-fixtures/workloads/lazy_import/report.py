"""report: the heavy module app.py imports lazily.

Everything here is imported at module level, as a real reporting helper
would: the first call of app.make_report() pays for all of it.
"""
import csv
import decimal
import email.mime.text
import io
import json
import statistics
import xml.dom.minidom

CENT = decimal.Decimal("0.01")


def _money(value):
    return decimal.Decimal(value).quantize(CENT, rounding=decimal.ROUND_HALF_EVEN)


def summarize(rows):
    amounts = [_money(r["amount"]) for r in rows]
    return {
        "count": len(amounts),
        "total": str(sum(amounts, decimal.Decimal(0))),
        "mean": str(_money(statistics.mean(amounts))),
        "median": str(_money(statistics.median(amounts))),
    }


def to_csv(rows):
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=["id", "customer", "amount"], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def to_xml(summary):
    doc = xml.dom.minidom.parseString("<report/>")
    for key in sorted(summary):
        el = doc.createElement(key)
        el.appendChild(doc.createTextNode(summary[key] if isinstance(summary[key], str) else str(summary[key])))
        doc.documentElement.appendChild(el)
    return doc.toxml()


def render(rows):
    summary = summarize(rows)
    message = email.mime.text.MIMEText(to_csv(rows), "csv", "utf-8")
    message["Subject"] = "Daily report: %d orders" % summary["count"]
    message["X-Summary"] = json.dumps(summary, sort_keys=True)
    return message.as_string() + to_xml(summary)
