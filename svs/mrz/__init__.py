"""Machine readable zone: locate, read (through a pluggable engine) and validate by ICAO Doc 9303."""
