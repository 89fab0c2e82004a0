"""Label rendering: plain label data in, PDF / ZPL / PNG / SVG bytes out (no database, no Flask)."""
