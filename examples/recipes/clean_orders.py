import dataiku

df = dataiku.Dataset("RAW_ORDERS").get_dataframe()
df = df[df["ORDER_AMOUNT"] > 0]
dataiku.Dataset("CLEAN_ORDERS").write_with_schema(df)
