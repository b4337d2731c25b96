"""Performance (业绩): staff figures by day / week / month, rankings, and the pieces the cockpits and
reports share — the reporting period, what counts as a deal (成单), and which seats a viewer may see."""
