"""From judged passages to the text a person reads: which sentences, none of them junk, mended
for display while each quote stays verbatim on its page."""
