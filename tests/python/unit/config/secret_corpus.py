"""The corpus of credential key names and value shapes the secret tests share (issue 14 §4).

Importable as ``secret_corpus``; the artifact tests under tests/python inject the same values into DSS.
"""

import os

#: Realistic names of keys that hold a credential: all the issue's examples, then common spellings.
SECRET_KEYS = [
    # the examples (each passed validation before)
    "password1", "db_password_prod", "passwordProd", "api_key_prod", "apiKeyProd", "client_secret_prod", "token_v2",
    "private_key_pem", "ssh_key", "encryption_key", "pass", "db_pass", "pw", "passphrase", "authorization",
    "auth_header",
    # the word list, alone and in the usual spellings
    "password", "passwd", "pwd", "DB_PASSWORD", "dbPassword", "dbpassword", "jdbcPassword", "smtp-password",
    "api_key", "apiKey", "API_KEY", "apikey", "x-api-key", "client_secret", "clientSecret", "clientsecret",
    "secret", "secret_key", "aws_secret_access_key", "secretAccessKey", "webhookSecret", "hmac_secret",
    "token", "auth_token", "authToken", "access_token", "refresh_token", "slack_token", "sastoken", "sas_token",
    "bearer", "bearer_token", "private_key", "privateKey", "ssh-private-key", "sshKey", "encryptionKey",
    "credential", "credentials", "gcp_credentials_json", "db_creds", "keyPassphrase", "Authorization", "auth",
    "HTTPAuthHeader", "session_key", "sessionKey", "cookie", "session_cookie", "signature", "signing_key",
    "connection_string", "passcode", "access_key", "storage_account_key", "master_key_2",
]

#: Keys that describe a credential, or only look like one, and hold none (besides the schema's and the exports').
NOT_SECRET_KEYS = [
    "authType", "authMode", "passThrough", "passwordMode", "tokenEndpoint", "tokenUrl", "secretName", "secretRef",
    "credentialsMode", "usePassword", "usepassword", "withSecrets", "authIdentifier", "author", "authorEmail",
    "triggerAuthCtx", "readSessionId", "low_pass", "auto_low_pass", "authorizations", "dashboardAuthorizations",
    "allAuthorized", "keep_alive_session", "PassengerId", "projectKey", "key", "keys", "signatureVersion",
    "cookieName", "password_file", "token_type_prod", "bypass", "tokenizer", "surrogatepass", "passenger_count",
]

#: Value shapes that are credentials under any key; ``{}`` is where the secret itself goes.
SECRET_VALUES = [
    "jdbc:postgresql://db.example.com:5432/sales?user=etl&password={}",
    "jdbc:sqlserver://db.example.com:1433;databaseName=sales;user=etl;password={};encrypt=true",
    "jdbc:snowflake://acme.snowflakecomputing.com/?user=etl&pwd={}&warehouse=W",
    "https://api.example.com/v1/export?format=csv&token={}",
    "https://acct.blob.core.windows.net/data?sv=2021-06-08&sr=c&sig={}",
    "Driver={{PostgreSQL}};Server=db;Uid=etl;Pwd={};",
    "postgresql://etl:{}@db.example.com:5432/sales",
    "jdbc:oracle:thin:etl/{}@db.example.com:1521/ORCL",
    "Bearer {}",
    "Authorization: Bearer {}",
    "-----BEGIN RSA PRIVATE KEY-----\nMIIEow{}\n-----END RSA PRIVATE KEY-----",
]

#: Secret parts that the value shapes above carry (each must be hidden wherever it would show).
SAMPLE_SECRETS = ["hunter2X9", "S3cr3t-pa55", "zK8pQ2mW7vR4", "tiger42tiger"]

EXPORT_KEYS_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "export_setting_keys.txt")


def export_setting_keys():
    """Every settings key of the real DSS exports (extracted once into our own fixture file)."""
    with open(EXPORT_KEYS_FILE, encoding="utf-8") as handle:
        return [line.rstrip("\n") for line in handle if line.strip() and not line.startswith("#")]
