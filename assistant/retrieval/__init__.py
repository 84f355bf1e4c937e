"""Finding passages: hybrid search over the dense and lexical indexes, fusion methods, rerankers,
and a LangChain retriever."""
