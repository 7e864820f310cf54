#!/usr/bin/env python3
"""Reads each corpus message with Python's email package (policy=default) and prints JSON:
{file: {subject, from, text, html, attachments} or {error}}. Used by scripts/japanese-table.ts."""
import json
import os
import sys
from email import policy
from email.parser import BytesParser

out = {}
folder = sys.argv[1]
for name in sorted(f for f in os.listdir(folder) if f.endswith('.eml')):
    try:
        with open(os.path.join(folder, name), 'rb') as fh:
            msg = BytesParser(policy=policy.default).parse(fh)
        r = {'subject': str(msg['subject'] or '')}
        frm = msg['from']
        if frm is not None and frm.addresses:
            r['from'] = frm.addresses[0].display_name
        for kind in ('plain', 'html'):
            body = msg.get_body((kind,))
            if body is not None and not body.get_filename():
                try:
                    r['text' if kind == 'plain' else 'html'] = body.get_content()
                except Exception as e:  # an unknown charset, a broken transfer encoding
                    r['text' if kind == 'plain' else 'html'] = 'ERROR ' + str(e)
        r['attachments'] = [p.get_filename() for p in msg.walk()
                            if not p.is_multipart() and p.get_filename() is not None]
        out[name] = r
    except Exception as e:
        out[name] = {'error': str(e)}
json.dump(out, sys.stdout, ensure_ascii=False)
