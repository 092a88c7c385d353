"""The cost layer: prices, equipment cost, capital, operating cost, revenue and cash flow."""
