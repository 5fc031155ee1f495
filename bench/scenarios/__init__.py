"""The benchmark's scenarios, one module each; ``bench/plan.py`` runs them in order."""
