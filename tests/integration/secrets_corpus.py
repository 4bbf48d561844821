"""Recall and false alarms on tests/data/secrets: its 573 texts are planted into a real process's
heap (one per 4 KiB slot), the process aborts, and pm-secrets-scan runs over the core in GDB. A positive
text counts as found when a finding lies in its slot; a negative one as a false alarm when one does.

The corpus was gathered rule by rule: a negative is a text that one vendor's rule must not match, and 21
negatives are the very text of a positive of another rule. So a negative that is byte-identical to a
positive's text counts as a positive only; every other negative with a finding in its slot is a false
alarm, whatever the finding (no other exclusion). The raw figure, every finding in every negative, is
printed beside it.

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
    slots = {}  # slot -> the rules of its findings
    for finding in report["findings"]:
        index = (int(finding["address"], 16) - base) // SLOT
        if 0 <= index < len(examples):
            slots.setdefault(index, []).append(finding["rule"])
    positives = [i for i, e in enumerate(examples) if not e.get("negative")]
    positive_texts = {examples[i]["text"] for i in positives}
    all_negatives = [i for i, e in enumerate(examples) if e.get("negative")]
    negatives = [i for i in all_negatives if examples[i]["text"] not in positive_texts]
    found = sum(1 for i in positives if i in slots)
    alarms = sum(1 for i in negatives if i in slots)
    raw_alarms = sum(1 for i in all_negatives if i in slots)
    recall, false_rate = found / len(positives), alarms / len(negatives)
    missed = {}
    for i in positives:
        if i not in slots:
            missed[examples[i]["source_rule"]] = missed.get(examples[i]["source_rule"], 0) + 1
    print("recall %d/%d = %.1f%%, false alarms %d/%d = %.1f%% (negatives that are not a positive's text), "
          "raw %d/%d = %.1f%% (every finding in every negative), %.1f MiB scanned in %.2f s" % (
              found, len(positives), 100 * recall, alarms, len(negatives), 100 * false_rate,
              raw_alarms, len(all_negatives), 100 * raw_alarms / len(all_negatives),
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
