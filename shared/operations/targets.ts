import type { PairConfig } from '../config/config-schema.js';
import { alibabaTarget } from '../providers/alibaba/alibaba-provider.js';
import { huaweiTarget } from '../providers/huawei/huawei-provider.js';
import { oceanBaseTarget } from '../providers/oceanbase/ocp-provider.js';
import type { Target } from '../providers/provider.js';

/** The provider ids a pair's operations act on, as configured. */
export function targetOf(pair: PairConfig): Target {
  switch (pair.provider) {
    case 'oceanbase':
      return oceanBaseTarget(pair.oceanbase);
    case 'huawei':
      return huaweiTarget(pair.huawei);
    case 'alibaba':
      return alibabaTarget(pair.alibaba);
  }
}
