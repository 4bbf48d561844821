"""Recall and false alarms on tests/data/secrets: its 573 texts are planted into a real process's
heap (one per 4 KiB slot), the process aborts, and pm-secrets-scan runs over the core in GDB. A positive
text counts as found when a finding lies in its slot; a negative one as a false alarm when one does.

The corpus was gathered rule by rule: a negative is a text that one vendor's rule must not match, and some
hold a credential the corpus itself lists as another rule's positive (21 negatives are the very text of a
positive; others hold the same Slack token or bucket name). So a negative that is also a positive's text
counts as a positive only, and a finding in a negative is a false alarm unless a positive yields the same
value. The raw figure, every finding in every negative, is printed beside it.

usage: secrets_corpus.py GDB-SCRIPT PLANT-PROGRAM COLLECT-CORE CORPUS-JSON MIN-RECALL MAX-FALSE-ALARMS"""
import json
import os
import shutil
import tempfile

import harness
from harness import check

SLOT = 4096


def test(argv):
    script, plant, collect, corpus, min_recall, max_false = argv
    check(os.path.exists(corpus), "the corpus is not at %s (tests/data/secrets in the checkout)" % corpus)
    with open(corpus) as f:
        examples = json.load(f)
    work = tempfile.mkdtemp(prefix="coroner-corpus-")
    try:
        texts, address_file, core = (os.path.join(work, n) for n in ("texts", "address", "core"))
        with open(texts, "wb") as f:
            for e in examples:
                f.write(e["text"].encode("utf-8")[: SLOT - 1].replace(b"\0", b" ") + b"\0")
        status, out, err = harness.run(["bash", collect, core, plant, texts, address_file])
        check(status == 0, "no core: " + err)
        with open(address_file) as f:
            base = int(f.read().strip(), 16)
        report = harness.Debugger(["gdb", script]).json("pm-secrets-scan --json --reveal", plant, core)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    findings = {}  # slot -> [(rule, value)]
    for finding in report["findings"]:
        index = (int(finding["address"], 16) - base) // SLOT
        if 0 <= index < len(examples):
            findings.setdefault(index, []).append((finding["rule"], finding["value"]))
    positives = [i for i, e in enumerate(examples) if not e.get("negative")]
    positive_texts = {examples[i]["text"] for i in positives}
    positive_values = {value for i in positives for _, value in findings.get(i, [])}
    all_negatives = [i for i, e in enumerate(examples) if e.get("negative")]
    negatives = [i for i in all_negatives if examples[i]["text"] not in positive_texts]
    slots = {i: [rule for rule, value in found_here if i in positives or value not in positive_values]
             for i, found_here in findings.items()}
    slots = {i: rules for i, rules in slots.items() if rules}
    found = sum(1 for i in positives if i in slots)
    alarms = sum(1 for i in negatives if i in slots)
    raw_alarms = sum(1 for i in all_negatives if i in findings)
    distinct_alarms = sum(1 for i in negatives if i in findings)  # identical texts counted once, values not
    recall, false_rate = found / len(positives), alarms / len(negatives)
    missed = {}
    for i in positives:
        if i not in slots:
            missed[examples[i]["source_rule"]] = missed.get(examples[i]["source_rule"], 0) + 1
    print("recall %d/%d = %.1f%%, false alarms %d/%d = %.1f%% (raw: findings in %d/%d negatives = %.1f%%; "
          "in %d/%d without the texts that are also positives = %.1f%%), %.1f MiB scanned in %.2f s" % (
              found, len(positives), 100 * recall, alarms, len(negatives), 100 * false_rate,
              raw_alarms, len(all_negatives), 100 * raw_alarms / len(all_negatives),
              distinct_alarms, len(negatives), 100 * distinct_alarms / len(negatives),
              report["scanned_bytes"] / 2**20, report["seconds"]))
    print("most missed: %s" % sorted(missed.items(), key=lambda kv: -kv[1])[:15])
    # For tuning the rules: the texts missed and the negatives reported, with the rules that fired.
    if os.environ.get("CORONER_CORPUS_REPORT"):
        with open(os.environ["CORONER_CORPUS_REPORT"], "w") as f:
            json.dump({"missed": [examples[i] for i in positives if i not in slots],
                       "alarms": [dict(examples[i], rules=slots[i]) for i in negatives if i in slots]}, f)
    alarmed = {}
    for i in negatives:
        for rule in slots.get(i, []):
            alarmed[rule] = alarmed.get(rule, 0) + 1
    print("false alarms by rule: %s" % sorted(alarmed.items(), key=lambda kv: -kv[1]))
    check(recall >= float(min_recall), "recall %.3f is below %s" % (recall, min_recall))
    check(false_rate <= float(max_false), "false alarms %.3f are above %s" % (false_rate, max_false))


if __name__ == "__main__":
    harness.main(test)
