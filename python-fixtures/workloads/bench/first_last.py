"""Start-up and teardown: marks its first and its last line, and does nothing between."""
from marks import mark, leave
mark("first")
leave()
