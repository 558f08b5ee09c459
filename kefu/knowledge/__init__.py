"""The knowledge base: articles in two languages, the help centre, one search service over
articles, tickets and customers, suggestions while a customer types, and deflection."""
