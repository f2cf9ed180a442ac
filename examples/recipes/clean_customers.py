import dataiku

df = dataiku.Dataset("RAW_CUSTOMERS").get_dataframe()
df = df.dropna(subset=["CUSTOMER_ID"])
dataiku.Dataset("CLEAN_CUSTOMERS").write_with_schema(df)
