# Reads Prometheus text format on standard input and writes its samples as JSON, parsed by the
# Prometheus Python client's own parser (Debian's python3-prometheus-client). A malformed
# exposition makes the parser raise, and this script exit non-zero with its message.
import json
import math
import sys

from prometheus_client.parser import text_string_to_metric_families

samples = []
for family in text_string_to_metric_families(sys.stdin.read()):
    for sample in family.samples:
        value = sample.value
        if math.isnan(value) or math.isinf(value):
            value = str(value)
        samples.append({"family": family.name, "type": family.type, "name": sample.name,
                        "labels": sample.labels, "value": value})
json.dump(samples, sys.stdout)
