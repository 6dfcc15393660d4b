import { faultMatrix } from '../support/fault-matrix.js';

// Every fault against every Huawei Cloud RDS operation kind: nothing submitted twice, lost, or told twice.
faultMatrix(['huawei']);
