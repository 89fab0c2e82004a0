"""The external forms (marshmallow) of the domain's input, one module per domain area: each
field validated once, everywhere."""
