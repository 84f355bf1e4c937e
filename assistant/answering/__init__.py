"""From a question to a checked answer: follow-ups, evidence, answerers, the citation check."""
