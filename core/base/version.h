#ifndef DDBSQL_VERSION_H
#define DDBSQL_VERSION_H
#define DDBSQL_VERSION "0.1.0"
#endif
