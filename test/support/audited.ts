// The one namespace whose every write the shared test cluster's audit log records (who wrote, when):
// a test that uses it creates it, and deletes it when done. Tests in it run one at a time (the cluster
// project runs files one after another).
export const auditedNamespace = "siskin-audited";
