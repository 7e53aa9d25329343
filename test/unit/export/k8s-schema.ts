// Kubernetes objects checked against the Kubernetes OpenAPI schemas:
// kubernetes-models is generated from them, and each object is constructed
// through its model class and validated (types, required fields, enums,
// formats). kubectl --dry-run=client would need a cluster's server.
import {ConfigMap, Namespace, Secret, Service, ServiceAccount} from 'kubernetes-models/v1'
import {Deployment} from 'kubernetes-models/apps/v1'
import {Job} from 'kubernetes-models/batch/v1'
import {Role, RoleBinding} from 'kubernetes-models/rbac.authorization.k8s.io/v1'

type Obj = Record<string, any>

const MODELS: Record<string, new (data: any) => {validate(): void}> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'v1/Namespace': Namespace,
  'v1/ServiceAccount': ServiceAccount,
  'apps/v1/Deployment': Deployment,
  'batch/v1/Job': Job,
  'rbac.authorization.k8s.io/v1/Role': Role,
  'rbac.authorization.k8s.io/v1/RoleBinding': RoleBinding,
}

/** Construct each object through its kubernetes-models class and validate it against the OpenAPI schema; the errors, if any. */
export function schemaErrors(objects: readonly Obj[]): string[] {
  return objects.flatMap((object) => {
    const Model = MODELS[`${object.apiVersion}/${object.kind}`]
    if (!Model) return [`no model for ${object.apiVersion} ${object.kind}`]
    try {
      new Model(object).validate()
      return []
    } catch (error) {
      return [`${object.kind} ${object.metadata?.name}: ${(error as Error).message}`]
    }
  })
}

