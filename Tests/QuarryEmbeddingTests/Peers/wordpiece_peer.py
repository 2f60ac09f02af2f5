"""Tokenizes each JSON string on stdin (one a line) with Hugging Face's own tokenizer (PyPI
`tokenizers`, the Rust implementation transformers uses) from the model's tokenizer.json, and
prints its ids as a JSON list a line: an independent reference for Quarry's WordPiece tokenizer.

    python wordpiece_peer.py MODEL_DIR MAX_LENGTH < texts.jsonl
"""
import json
import sys

from tokenizers import Tokenizer

tokenizer = Tokenizer.from_file(sys.argv[1] + "/tokenizer.json")
# tokenizer.json truncates at 128 and pads; sentence-transformers' reference is 256, unpadded.
tokenizer.enable_truncation(max_length=int(sys.argv[2]))
tokenizer.no_padding()
for line in sys.stdin:
    print(json.dumps(tokenizer.encode(json.loads(line)).ids))
