"""Pure billing domain: money, quantities, tariffs, the charging engine and account policy.

Nothing here imports Home Assistant or touches a database, and no ``float`` is used: money is
integer minor units, quantities are integer milli-units (Wh, litres), prices are integer
micro-units of currency per kWh or m³, and exact charges are integer nano-units of currency.
"""
