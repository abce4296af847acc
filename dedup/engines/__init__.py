"""Engines that run the stages: the local one is ``dedup.pipeline``; ``spark`` runs them on a Spark cluster."""
