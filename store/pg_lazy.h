/* libpq, loaded when a lab's backend is PostgreSQL. Linking it outright
 * costs every actsim process, and every program using libactsim, the
 * loading of libpq and its Kerberos and LDAP libraries at start, though
 * most labs are SQLite. Include this instead of <libpq-fe.h>; the calls
 * keep libpq's names. */
#ifndef ACTSIM_PG_LAZY_H
#define ACTSIM_PG_LAZY_H

#include <libpq-fe.h>

/* The functions the PostgreSQL backend calls: one entry each. */
#define PQ_LAZY_FUNCS(X)                                                   \
	X(PQclear) X(PQcmdStatus) X(PQcmdTuples) X(PQconnectdbParams)      \
	X(PQconninfoFree) X(PQconninfoParse) X(PQerrorMessage)             \
	X(PQescapeIdentifier) X(PQexec) X(PQexecParams) X(PQexecPrepared)  \
	X(PQfinish) X(PQfreemem) X(PQgetResult) X(PQgetisnull)             \
	X(PQgetvalue) X(PQntuples) X(PQprepare) X(PQputCopyData)           \
	X(PQputCopyEnd) X(PQresultErrorField) X(PQresultErrorMessage)      \
	X(PQresultStatus) X(PQstatus) X(PQtransactionStatus)

#define PQ_LAZY_FIELD(name) __typeof__(name) *name;
extern struct pq_lazy {
	PQ_LAZY_FUNCS(PQ_LAZY_FIELD)
} pq_lazy;
#undef PQ_LAZY_FIELD

/* Loads libpq once (thread-safe): NULL when every function above is
 * bound, else why not. The functions may be called only after a NULL. */
const char *pq_lazy_load(void);

#ifndef PQ_LAZY_NO_RENAME
#define PQclear (pq_lazy.PQclear)
#define PQcmdStatus (pq_lazy.PQcmdStatus)
#define PQcmdTuples (pq_lazy.PQcmdTuples)
#define PQconnectdbParams (pq_lazy.PQconnectdbParams)
#define PQconninfoFree (pq_lazy.PQconninfoFree)
#define PQconninfoParse (pq_lazy.PQconninfoParse)
#define PQerrorMessage (pq_lazy.PQerrorMessage)
#define PQescapeIdentifier (pq_lazy.PQescapeIdentifier)
#define PQexec (pq_lazy.PQexec)
#define PQexecParams (pq_lazy.PQexecParams)
#define PQexecPrepared (pq_lazy.PQexecPrepared)
#define PQfinish (pq_lazy.PQfinish)
#define PQfreemem (pq_lazy.PQfreemem)
#define PQgetResult (pq_lazy.PQgetResult)
#define PQgetisnull (pq_lazy.PQgetisnull)
#define PQgetvalue (pq_lazy.PQgetvalue)
#define PQntuples (pq_lazy.PQntuples)
#define PQprepare (pq_lazy.PQprepare)
#define PQputCopyData (pq_lazy.PQputCopyData)
#define PQputCopyEnd (pq_lazy.PQputCopyEnd)
#define PQresultErrorField (pq_lazy.PQresultErrorField)
#define PQresultErrorMessage (pq_lazy.PQresultErrorMessage)
#define PQresultStatus (pq_lazy.PQresultStatus)
#define PQstatus (pq_lazy.PQstatus)
#define PQtransactionStatus (pq_lazy.PQtransactionStatus)
#endif

#endif
