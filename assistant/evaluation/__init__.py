"""Evaluation runs: datasets of complaint cases, named evaluators, a runner, reports and compare.

Whoever deploys the coach runs `coach eval` to learn how good its suggestions are before agents
see them, and `coach eval compare` to learn whether a new prompt, model or policy changed that.
"""
